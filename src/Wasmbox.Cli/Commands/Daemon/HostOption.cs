using System.CommandLine;

namespace Wasmbox.Cli.Commands.Daemon;

/// <summary><c>--host unix:///path</c>: which daemon a verb talks to (else <c>WASMBOX_HOST</c>, else the default socket).</summary>
internal static class HostOption
{
    public static Option<string?> Create() => new("--host")
    {
        Description = "The daemon to talk to: unix:///path/to/wasmbox.sock (default: $WASMBOX_HOST, else /run/wasmbox/wasmbox.sock for root, else $XDG_RUNTIME_DIR/wasmbox/wasmbox.sock).",
        HelpName = "unix:///PATH",
    };

    /// <summary>Runs one call against the daemon; a refusal or a missing daemon is one <c>wasmbox: …</c> line and status 125.</summary>
    public static int Call(ParseResult parsed, Option<string?> host, Func<DaemonClientScope, Task<int>> action)
    {
        var stderr = parsed.InvocationConfiguration.Error;
        try
        {
            using var client = Wasmbox.Cli.Daemon.DaemonClient.For(parsed.GetValue(host));
            return action(new DaemonClientScope(client, parsed.InvocationConfiguration.Output, stderr)).GetAwaiter().GetResult();
        }
        catch (Wasmbox.Cli.Daemon.DaemonException e)
        {
            return CliError.Print(stderr, e.Message);
        }
    }
}

/// <summary>What a verb works with: the client and the command's output writers.</summary>
internal sealed record DaemonClientScope(Wasmbox.Cli.Daemon.DaemonClient Client, TextWriter Stdout, TextWriter Stderr);
