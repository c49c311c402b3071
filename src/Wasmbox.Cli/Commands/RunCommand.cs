using System.CommandLine;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Runtime;
using Wasmbox.Runtime.Wasi;
using Wasmbox.Launch;

namespace Wasmbox.Cli.Commands;

/// <summary><c>wasmbox run [OPTIONS] MODULE [ARGS...]</c>: runs a module in the foreground with the caller's stdio.</summary>
internal sealed class RunCommand : IGuestCommand
{
    private readonly PolicyOptions _policy = new();
    private readonly CacheOptions _cache = new();
    private readonly Argument<string> _module = new("MODULE") { Description = "The .wasm (or .wat) file; it is the guest's argv[0]." };
    private readonly Argument<string[]> _args = new("ARGS") { Description = "Arguments for the guest (everything after MODULE).", Arity = ArgumentArity.ZeroOrMore };

    private readonly Option<string?> _report = new("--report")
    {
        Description = "Write a JSON report (outcome, exit code, trap, limits hit, usage, module hash) to FILE, whatever happens.",
        HelpName = "FILE",
    };

    private readonly Option<bool> _trace = new("--trace")
    {
        Description = "Print one line per WASI call on stderr: name, arguments, result errno, time in µs.",
    };

    // Which WASI implementation runs the guest: Wasmbox's own host, or Wasmtime's built-in one, the reference our
    // differential tests compare with (it cannot trace or count quotas). Hidden: it is for diagnosis, not for users.
    private readonly Option<string?> _wasiHost = new("--wasi-host") { Hidden = true, HelpName = "wasmbox|wasmtime" };

    public RunCommand()
    {
        Command = new Command("run", "Run a WASI command module in a sandbox that grants nothing but what the options say.");
        foreach (var option in _policy.All.Concat(_cache.All).Append(_report).Append(_trace).Append(_wasiHost)) Command.Options.Add(option);
        Command.Arguments.Add(_module);
        Command.Arguments.Add(_args);
        Command.SetAction(Execute);
    }

    public Command Command { get; }

    /// <summary>Set by the caller after <see cref="GuestArgs.Split"/>: the guest's arguments, never parsed by us.</summary>
    public string[] GuestArgs { get; set; } = [];

    private int Execute(ParseResult parsed)
    {
        var stderr = parsed.InvocationConfiguration.Error;
        var modulePath = parsed.GetValue(_module)!;
        SandboxPolicy policy;
        try
        {
            policy = _policy.Read(parsed).Build(Environment.GetEnvironmentVariable, defaultStdin: new StdinSource.Inherit());
        }
        catch (PolicyException e)
        {
            return Finish(parsed, stderr, new RunResult(RunOutcome.SetupFailed(SetupStage.Policy, e.Message), ResourceUsage.Zero, null));
        }

        var trace = parsed.GetValue(_trace);
        IWasiBinding wasi;
        switch (parsed.GetValue(_wasiHost))
        {
            case "wasmbox": wasi = WasmboxWasi.Instance; break;
            case "wasmtime": wasi = WasmtimeBuiltinWasi.Instance; break;
            case null: wasi = WasmboxWasi.Instance; break;
            case var other:
                return Finish(parsed, stderr, new RunResult(
                    RunOutcome.SetupFailed(SetupStage.Policy, $"--wasi-host '{other}': write wasmbox or wasmtime"), ResourceUsage.Zero, null));
        }

        void Notice(string line)
        {
            stderr.WriteLine("wasmbox: notice: " + line);
            stderr.Flush();
        }
        if (policy.Isolation != IsolationTier.None && wasi != WasmboxWasi.Instance)
        {
            return Finish(parsed, stderr, new RunResult(RunOutcome.SetupFailed(SetupStage.Policy,
                "--wasi-host wasmtime runs only in this process; add --isolation none"), ResourceUsage.Zero, null));
        }
        stderr.Flush();
        using var signals = new SignalStop();
        var inProcess = policy.Isolation == IsolationTier.None;
        // In-process, this process is the sandbox: a signal, or a time limit passing while the guest runs (no epoch checks
        // are compiled in, see TimeLimitStop), ends it here after the report, once, whichever comes first.
        var ended = 0;
        void EndHere(RunResult ending)
        {
            if (Interlocked.Exchange(ref ended, 1) == 0) Environment.Exit(Finish(parsed, stderr, ending));
        }
        if (inProcess)
        {
            // A guest running in this process cannot be stopped from the signal's thread. No run worker or cgroup exists; a
            // compile worker still at work sees its output pipe close and ends, bounded anyway by --max-compile-time's CPU rlimit.
            signals.InProcess = signal => EndHere(new RunResult(RunOutcome.StoppedBySignal(signal), ResourceUsage.Zero, null));
        }
        // Why no stop token in-process: the signal takes the exit above and never cancels it, and a token that can be
        // cancelled makes every guest write to a pipe or terminal poll first (StreamFd), for nothing.
        var result = SandboxLauncher.Run(new LaunchRequest(modulePath, GuestArgs, policy)
        {
            Cache = _cache.Open(parsed),
            Trace = trace,
            Wasi = wasi,
            Notice = Notice,
            EndProcess = inProcess ? EndHere : null,
        }, inProcess ? CancellationToken.None : signals.Token);
        signals.InProcess = null;
        // Lost only to a signal or a time limit that is ending the process with its own report.
        if (Interlocked.Exchange(ref ended, 1) != 0) Thread.Sleep(Timeout.Infinite);
        if (signals.Signal is { } signal)
            result = result with { Outcome = RunOutcome.StoppedBySignal(signal) };
        return Finish(parsed, stderr, result);
    }

    /// <summary>Says why the guest stopped when it did not exit by itself, writes the report, and returns the exit status.</summary>
    private int Finish(ParseResult parsed, TextWriter stderr, RunResult result)
    {
        var outcome = result.Outcome;
        if (outcome.Kind != OutcomeKind.Exited) stderr.WriteLine("wasmbox: " + CliError.OneLine(outcome.Message));
        WriteReport(parsed, stderr, result);
        return outcome.ExitStatus;
    }

    /// <summary>A report for a command line that did not even parse, so that <c>--report</c> holds in every case.</summary>
    public void WriteSetupFailureReport(ParseResult parsed, TextWriter stderr, string message) =>
        WriteReport(parsed, stderr, new RunResult(RunOutcome.SetupFailed(SetupStage.Policy, message), ResourceUsage.Zero, null));

    private void WriteReport(ParseResult parsed, TextWriter stderr, RunResult result)
    {
        if (parsed.GetValue(_report) is not { } path) return;
        try
        {
            var full = Path.GetFullPath(path);
            // Why an unpredictable name created with O_EXCL: a guest granted the report's folder could plant a symlink
            // at a predictable temporary name, and a plain create would write through it. O_CREAT|O_EXCL never follows
            // a link; the rename then replaces the report's name itself, never what a link there points to.
            var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
            try
            {
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                    file.Write(System.Text.Encoding.UTF8.GetBytes(RunReport.From(result).ToJson() + "\n"));
                File.Move(temp, full, overwrite: true);
            }
            catch
            {
                try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The run itself happened; its status stands. Say the report is missing rather than hide it.
            stderr.WriteLine($"wasmbox: cannot write the report {path}: {CliError.OneLine(e.Message)}; check the path");
        }
    }
}
