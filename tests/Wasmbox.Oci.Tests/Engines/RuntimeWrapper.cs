namespace Wasmbox.Oci.Tests.Engines;

/// <summary>
/// The wasmbox-oci built beside these tests, as one executable an engine can be given by absolute path: a two-line
/// script that execs the dotnet host with wasmbox-oci.dll, with <c>--root</c> set to a folder of the test's own.
/// </summary>
/// <remarks>
/// Why a script and not the AOT build (.build/wasmbox/wasmbox-oci): that one is built by wasmbox.sh and may be older
/// than the code under test; the JIT build here is always the current one. Why not the apphost beside the dll: it
/// finds the .NET runtime through DOTNET_ROOT or fixed folders, and conmon and the shim pass almost no environment;
/// the script names the host the tests themselves run on. Why <c>--root</c>: podman passes none, and the default
/// (/run/wasmbox-oci) would be shared with the machine. Later flags win, so containerd's own <c>--root</c> still
/// takes effect under ctr, as it should (state beside runc's).
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class RuntimeWrapper
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "wasmbox-oci.dll");

    public static string DotnetHost =>
        Environment.ProcessPath is { } p && Path.GetFileName(p) == "dotnet" ? p : "/usr/share/dotnet/dotnet";

    /// <summary>Writes the script at <paramref name="path"/> (executable) and returns it.</summary>
    public static string Write(string path, string stateRoot)
    {
        File.WriteAllText(path, $"""
            #!/bin/sh
            exec '{DotnetHost}' '{Dll}' --root '{stateRoot}' "$@"

            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                   UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }
}
