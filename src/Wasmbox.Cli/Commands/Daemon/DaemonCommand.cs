using System.CommandLine;
using System.Runtime.InteropServices;

namespace Wasmbox.Cli.Commands.Daemon;

/// <summary>
/// <c>wasmbox daemon [OPTIONS]</c>: becomes <c>wasmbox-daemon</c>, the executable beside this one, with the same
/// arguments (execv: same pid, same stdio, signals reach the daemon itself). The daemon is its own program so that
/// the CLI stays small and starts fast; its options are listed by <c>wasmbox daemon --help</c>.
/// </summary>
internal sealed partial class DaemonCommand
{
    public DaemonCommand()
    {
        Command = new Command("daemon", "Run the daemon: many sandboxes, their state and logs in a data dir, an HTTP/JSON API on a Unix socket (wasmbox daemon --help lists its options).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        Command.SetAction(Execute);
    }

    public Command Command { get; }

    /// <summary>Set by the caller: every word after <c>daemon</c>, passed on untouched.</summary>
    public string[] DaemonArgs { get; set; } = [];

    private int Execute(ParseResult parsed)
    {
        var dir = AppContext.BaseDirectory;
        var native = Path.Combine(dir, "wasmbox-daemon");
        var dll = Path.Combine(dir, "wasmbox-daemon.dll");
        string[] argv;
        if (File.Exists(dll) && Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet") argv = [host, dll, .. DaemonArgs];
        else if (File.Exists(native)) argv = [native, .. DaemonArgs];
        else return CliError.Print(parsed.InvocationConfiguration.Error, $"wasmbox-daemon is missing from {dir}; rebuild wasmbox (./wasmbox.sh) so that it sits beside wasmbox");
        parsed.InvocationConfiguration.Output.Flush();
        parsed.InvocationConfiguration.Error.Flush();
        Execv(argv[0], [.. argv, null]);
        return CliError.Print(parsed.InvocationConfiguration.Error, $"cannot start {argv[0]}: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Execv(string path, string?[] argv);
}
