// facts_platform.h for Windows: every fact through a stock command (PowerShell cmdlets, route,
// ipconfig). Written for the Windows build; not compiled or run on Linux CI. Reading the
// same data through the Win32 API (GetAdaptersAddresses, GlobalMemoryStatusEx...) is a later
// optimisation behind the same functions.
#include "diagnostics/facts_platform.h"

#include <string>
#include <vector>

namespace fixtray::facts_platform {
namespace {

std::vector<std::string> powershell(const std::string& script) {
    return {"powershell", "-NoProfile", "-NonInteractive", "-Command", script};
}

}  // namespace

void os(DiagnosticResult& r, const RunCommand& run) {
    run(powershell("Get-CimInstance Win32_OperatingSystem | Format-List "
                   "Caption,Version,BuildNumber,OSArchitecture,Locale"),
        r);
}

void uptime(DiagnosticResult& r, const RunCommand& run) {
    run(powershell("$o = Get-CimInstance Win32_OperatingSystem; 'booted ' + $o.LastBootUpTime; "
                   "'up ' + ((Get-Date) - $o.LastBootUpTime)"),
        r);
}

void disk(DiagnosticResult& r, const RunCommand& run) {
    run(powershell("Get-CimInstance Win32_LogicalDisk | Format-Table -AutoSize "
                   "DeviceID,DriveType,FileSystem,Size,FreeSpace"),
        r);
}

void memory(DiagnosticResult& r, const RunCommand& run) {
    run(powershell("Get-CimInstance Win32_OperatingSystem | Format-List "
                   "TotalVisibleMemorySize,FreePhysicalMemory,TotalVirtualMemorySize,"
                   "FreeVirtualMemory"),
        r);
}

void network_interfaces(DiagnosticResult& r, const RunCommand& run) {
    run(powershell("Get-NetAdapter | Format-Table -AutoSize "
                   "Name,InterfaceDescription,Status,MacAddress,LinkSpeed,MediaConnectionState"),
        r);
}

void network_addresses(DiagnosticResult& r, const RunCommand& run) {
    run(powershell("Get-NetIPAddress | Format-Table -AutoSize "
                   "InterfaceAlias,AddressFamily,IPAddress,PrefixLength,PrefixOrigin"),
        r);
}

void network_routes(DiagnosticResult& r, const RunCommand& run) {
    run({"route", "print"}, r);
}

void dns_config(DiagnosticResult& r, const RunCommand& run) {
    run(powershell(
            "Get-DnsClientServerAddress | Format-Table -AutoSize; Get-DnsClientGlobalSetting"),
        r);
}

void printers(DiagnosticResult& r, const RunCommand& run) {
    run(powershell("Get-Printer | Format-Table -AutoSize Name,DriverName,PortName,PrinterStatus; "
                   "Get-Printer | Get-PrintJob | Format-Table -AutoSize"),
        r);
}

void recent_log(DiagnosticResult& r, const RunCommand& run, std::size_t lines,
                const std::vector<std::string>& /*log_files: the event log has no files*/) {
    run(powershell("Get-WinEvent -LogName System -MaxEvents " + std::to_string(lines) +
                   " | Format-Table -AutoSize -Wrap TimeCreated,Id,LevelDisplayName,"
                   "ProviderName,Message"),
        r);
}

}  // namespace fixtray::facts_platform
