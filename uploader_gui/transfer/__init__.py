"""The S3 data plane: put, multipart and copy with server-verified CRC32."""
