using System.CommandLine;
using Wasmbox.Cli.Commands;

namespace Wasmbox.Cli;

/// <summary>
/// The <c>wasmbox</c> command: builds the command tree and turns every failure into one <c>wasmbox: …</c> line and exit
/// status 125. The commands are thin: each one reads its options and calls the library.
/// </summary>
public static class WasmboxCli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return Invoke(args, stdout, stderr);
        }
        catch (Exception e)
        {
            // Anything that reaches here is a Wasmbox bug, not a user mistake. Say so in one line; the stack trace is
            // printed only when asked for, so a user never has to read one.
            if (Environment.GetEnvironmentVariable("WASMBOX_DEBUG") == "1") stderr.WriteLine(e);
            return CliError.Print(stderr, $"internal error: {e.GetType().Name}: {e.Message}; please report it (set WASMBOX_DEBUG=1 for details)");
        }
    }

    private static int Invoke(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("Wasmbox runs WebAssembly (WASI preview1) modules you do not trust, with only the files, " +
                                   "environment and resources you grant.\n\nExit status of 'run': the guest's exit code; 124 time " +
                                   "or fuel limit; 125 wasmbox could not run it; 134 trapped; 137 memory limit or killed.");
        var run = new RunCommand();
        var spawn = new Commands.Daemon.SpawnCommand();
        var daemon = new Commands.Daemon.DaemonCommand();
        root.Subcommands.Add(run.Command);
        root.Subcommands.Add(new CompileCommand().Command);
        root.Subcommands.Add(new InspectCommand().Command);
        root.Subcommands.Add(new DoctorCommand().Command);
        root.Subcommands.Add(daemon.Command);
        root.Subcommands.Add(spawn.Command);
        root.Subcommands.Add(new Commands.Daemon.PsCommand().Command);
        root.Subcommands.Add(Commands.Daemon.SandboxVerbs.Logs());
        root.Subcommands.Add(Commands.Daemon.SandboxVerbs.Kill());
        root.Subcommands.Add(Commands.Daemon.SandboxVerbs.Wait());
        root.Subcommands.Add(Commands.Daemon.SandboxVerbs.Remove());
        root.Subcommands.Add(new Commands.Daemon.EventsCommand().Command);
        root.Subcommands.Add(Commands.Daemon.SandboxVerbs.Audit());
        root.Subcommands.Add(new Commands.Daemon.StatsCommand().Command);

        // `wasmbox daemon …` hands every word to wasmbox-daemon, --help included.
        if (args is ["daemon", .. var daemonArgs])
        {
            daemon.DaemonArgs = daemonArgs;
            args = ["daemon"];
        }

        // Everything after MODULE belongs to the guest, even words that look like wasmbox options.
        var split = GuestArgs.Split(args, run, spawn);
        run.GuestArgs = split.Guest;
        spawn.GuestArgs = split.Guest;

        var parsed = root.Parse(split.Ours);
        if (split.Error is not null)
        {
            var result = CliError.Print(stderr, split.Error);
            run.WriteSetupFailureReport(parsed, stderr, split.Error);
            return result;
        }
        if (parsed.Errors.Count > 0)
        {
            var command = parsed.CommandResult.Command;
            var help = command == root ? "wasmbox --help" : $"wasmbox {command.Name} --help";
            // An unknown word explains "no command given" better than that does, so it goes first.
            var error = parsed.Errors.FirstOrDefault(e => parsed.UnmatchedTokens.Any(t => e.Message.Contains(t, StringComparison.Ordinal)))
                        ?? parsed.Errors[0];
            var message = command == root && parsed.UnmatchedTokens.Count == 0
                ? "no command given; use run, compile, inspect, doctor, or daemon, spawn, ps, logs, kill, wait, rm, events"
                : error.Message.TrimEnd('.');
            var result = CliError.Print(stderr, $"{message}; see '{help}'");
            if (command == run.Command) run.WriteSetupFailureReport(parsed, stderr, message);
            return result;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
    }
}
