namespace Wasmbox.Oci.Container;

/// <summary>How to start this program again: the NativeAOT executable itself, or the dotnet host with wasmbox-oci.dll (a build or test output).</summary>
internal static class SelfCommand
{
    public const string DllName = "wasmbox-oci.dll";

    public static IReadOnlyList<string> Argv()
    {
        var process = Environment.ProcessPath ?? throw new Cli.OciException("cannot tell where wasmbox-oci runs from (no /proc/self/exe?); mount /proc");
        var dll = Path.Combine(AppContext.BaseDirectory, DllName);
        return Path.GetFileName(process) == "dotnet" && File.Exists(dll) ? [process, dll] : [process];
    }
}
