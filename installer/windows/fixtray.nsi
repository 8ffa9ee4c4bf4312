; fixtray's Windows installer (NSIS 3, 64-bit). Build it with installer/windows/build-installer.sh,
; which stages the files and passes the defines below; makensis alone cannot build it.
;
; PLACEHOLDER WARNING: fixtray's Windows programs cannot be linked on the Debian machines this is
; built on (no Windows builds of Boost, libcurl, pugixml, RE2, libsodium, libarchive there). Unless
; build-installer.sh is given real binaries (BIN_DIR), the three .exe files it stages are tiny
; placeholder programs that only print "placeholder build: ... compiled but not linked here", and
; this script brands the installer "placeholder build" (PLACEHOLDER defined). Such an installer
; tests the installing, not fixtray. See installer/windows/README.md.
;
; What it does (per machine, needs administrator rights):
;   - installs into $PROGRAMFILES64\fixtray: fixtray.exe (the tray app), fixctl.exe,
;     fixtray-admin.exe, the DLLs given with them, the built-in packs (fixes\**\*.xml, *.xsd) and
;     the icons (icons\*.ico);
;   - a Start menu entry for all users (fixtray);
;   - starts the tray app at every user's login: HKLM\...\CurrentVersion\Run, value fixtray;
;   - an Add/Remove Programs entry (HKLM\...\CurrentVersion\Uninstall\fixtray) and uninstall.exe.
; The uninstaller removes exactly the files listed at build time, the shortcut, the Run value and
; the Add/Remove entry. It leaves the machine's and the users' data alone: the machine config and
; feed in ProgramData\fixtray, Group Policy's HKLM\SOFTWARE\Policies\fixtray, each user's run
; records and outbox.
;
; Defines (from build-installer.sh): VERSION (x.y.z), STAGE (the staged files), OUTFILE,
; PAYLOAD_INSTALL and PAYLOAD_UNINSTALL (generated lists of File / Delete lines), PLACEHOLDER
; (only for placeholder programs).

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel admin
ManifestSupportedOS all

!include "LogicLib.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"

!macro REQUIRE_DEFINE NAME
  !ifndef ${NAME}
    !error "${NAME} is not defined: build with installer/windows/build-installer.sh"
  !endif
!macroend
!insertmacro REQUIRE_DEFINE VERSION
!insertmacro REQUIRE_DEFINE STAGE
!insertmacro REQUIRE_DEFINE OUTFILE
!insertmacro REQUIRE_DEFINE PAYLOAD_INSTALL
!insertmacro REQUIRE_DEFINE PAYLOAD_UNINSTALL

!define APP "fixtray"
!define PUBLISHER "fixtray"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\fixtray"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"

!ifdef PLACEHOLDER
  Name "${APP} ${VERSION} (placeholder build)"
  BrandingText "placeholder build: the programs are not fixtray (see README)"
!else
  Name "${APP} ${VERSION}"
  BrandingText "${APP} ${VERSION}"
!endif
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
Icon "${STAGE}/icons/fixtray.ico"
UninstallIcon "${STAGE}/icons/fixtray.ico"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1033 "ProductName" "${APP}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "${PUBLISHER}"

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "fixtray needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "fixtray" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; The programs, DLLs, packs and icons: one File line per staged file.
  !include "${PAYLOAD_INSTALL}"

  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\fixtray.lnk" "$INSTDIR\fixtray.exe" "" "$INSTDIR\icons\fixtray.ico" 0

  ; Every user's login starts the tray app (it stays out of the way until needed).
  WriteRegStr HKLM "${RUN_KEY}" "${APP}" '"$INSTDIR\fixtray.exe"'

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\icons\fixtray.ico"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  ; A running tray app keeps its .exe open: such files go at the next restart.
  DeleteRegValue HKLM "${RUN_KEY}" "${APP}"
  Delete "$SMPROGRAMS\fixtray.lnk"
  ; The staged files, then their folders (deepest first; a folder is removed only when empty).
  !include "${PAYLOAD_UNINSTALL}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd
