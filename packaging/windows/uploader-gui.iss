; Inno Setup script of the Windows installer: a per-user install (no administrator rights),
; a Start menu entry, and `.fastprofile` files opening in the app.
; Built by `python packaging/build.py` on Windows, which passes:
;   /DAppVersion=X.Y.Z  /DSourceDir=<PyInstaller onedir folder>  /DIconFile=<.ico>
; Uninstalling removes the program only: the deliveries' state store, receipts, profiles and
; settings live in the user's AppData folders and are left alone.

#ifndef AppVersion
  #error AppVersion must be given (/DAppVersion=...)
#endif

[Setup]
AppId={{6B1F0A52-2C5E-4F43-9C1B-5D6A8E3F2B10}
AppName=FAST Uploader
AppVersion={#AppVersion}
AppVerName=FAST Uploader {#AppVersion}
AppPublisher=FAST archive
DefaultDirName={autopf}\FAST Uploader
DefaultGroupName=FAST Uploader
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\uploader-gui.exe
ChangesAssociations=yes
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{autoprograms}\FAST Uploader"; Filename: "{app}\uploader-gui.exe"
Name: "{autodesktop}\FAST Uploader"; Filename: "{app}\uploader-gui.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Registry]
; HKA is HKCU for a per-user install and HKLM for an all-users one.
Root: HKA; Subkey: "Software\Classes\.fastprofile"; ValueType: string; ValueName: ""; ValueData: "FASTUploader.Profile"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\FASTUploader.Profile"; ValueType: string; ValueName: ""; ValueData: "FAST connection profile"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\FASTUploader.Profile\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\uploader-gui.exe,0"
Root: HKA; Subkey: "Software\Classes\FASTUploader.Profile\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\uploader-gui.exe"" ""%1"""

[Run]
Filename: "{app}\uploader-gui.exe"; Description: "Start FAST Uploader"; Flags: nowait postinstall skipifsilent
