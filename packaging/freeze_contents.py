"""What goes into the frozen app and what is left out (read by uploader-gui.spec).

Standard library only: it is loaded by PyInstaller's spec and by `packaging/build.py`.
"""

from __future__ import annotations

# moto packages the embedded local archive imports while it serves a delivery: S3 (with S3
# Express appends), SSM parameters, IAM for the delivery roles, STS, Cognito identity pools,
# and what those import in turn (EC2's instance types for SSM, EventBridge, CloudWatch, Secrets
# Manager), plus moto's own server and core. Found by recording `sys.modules` over a whole
# sandbox delivery (see the README); the frozen smoke delivery proves the list complete.
MOTO_SERVICES = (
    "core",
    "utilities",
    "moto_server",
    "moto_api",
    "s3",
    "s3bucket_path",
    "ssm",
    "iam",
    "sts",
    "ec2",
    "events",
    "cloudwatch",
    "secretsmanager",
    "cognitoidentity",
)

# botocore service models the app and the archive read (found the same way, with an audit
# hook on `open`); the rest of botocore/data is ~25 MB the app never reads.
BOTOCORE_SERVICES = ("s3", "ssm", "lambda", "ec2", "sts", "iam", "cognito-identity")

# Modules a build environment may hold that the app never imports at run time.
EXCLUDED_MODULES = [
    "tests",
    "tkinter",
    "pydoc",
    "PyInstaller",
    "pytest",
    "mypy",
    "ruff",
    "IPython",
    "matplotlib",
    "numpy",
    "PIL",
    "sympy",
    "cfnlint",
    "docker",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtPdf",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtPrintSupport",
]

# Qt plugin folders the window needs: drawing on screen (platforms, and their themes and input
# methods), images (icons are SVG and PNG), icon engines. Everything else in Qt's plugins folder
# drives hardware or features the app does not use (eglfs, evdev, network information, TLS).
_QT_PLUGIN_FOLDERS_KEPT = (
    "platforms",
    "platformthemes",
    "platforminputcontexts",
    "imageformats",
    "iconengines",
    "xcbglintegrations",
    "wayland-decoration-client",
    "wayland-graphics-integration-client",
    "wayland-shell-integration",
    "styles",
)
_QT_LIBRARIES_LEFT_OUT = (
    "Qt6Pdf",
    "Qt6Qml",
    "Qt6Quick",
    "Qt6VirtualKeyboard",
    "Qt6EglFs",
    "Qt6EglFSDeviceIntegration",
)


def _posix(path: str) -> str:
    return path.replace("\\", "/")


def keep_binary(destination: str) -> bool:
    """Whether a collected shared library or plugin goes into the bundle."""
    path = _posix(destination)
    if "/Qt/plugins/" in path or ("/plugins/" in path and "PySide6" in path):
        folder = path.split("/plugins/", 1)[1].split("/", 1)[0]
        return folder in _QT_PLUGIN_FOLDERS_KEPT
    name = path.rsplit("/", 1)[-1]
    return not any(left_out in name for left_out in _QT_LIBRARIES_LEFT_OUT)


def keep_data(destination: str) -> bool:
    """Whether a collected data file goes into the bundle: no Qt translations, and of
    botocore's service models only those of `BOTOCORE_SERVICES`."""
    path = _posix(destination)
    if "/Qt/translations/" in path or path.endswith(".qm"):
        return False
    if path.startswith("botocore/data/"):
        rest = path.removeprefix("botocore/data/")
        return "/" not in rest or rest.split("/", 1)[0] in BOTOCORE_SERVICES
    return True


def windows_version_info_text(version: str) -> str:
    """PyInstaller's version resource for the Windows executable (shown in its Properties)."""
    numbers = [int(part) for part in version.split(".")[:3] if part.isdigit()]
    numbers += [0] * (4 - len(numbers))
    as_tuple = tuple(numbers[:4])
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={as_tuple}, prodvers={as_tuple}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'FAST archive'),
      StringStruct('FileDescription', 'FAST Uploader'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('InternalName', 'uploader-gui'),
      StringStruct('OriginalFilename', 'uploader-gui.exe'),
      StringStruct('ProductName', 'FAST Uploader'),
      StringStruct('ProductVersion', '{version}')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
