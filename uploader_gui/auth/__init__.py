"""Sign-in: Cognito hosted UI with PKCE, identity-pool credentials, the OS keychain."""
