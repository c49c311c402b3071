using System.ComponentModel;
using System.Diagnostics;

namespace Wasmbox.Jail.Probes;

/// <summary>What a probe command did: its exit code, or that it timed out or could not start.</summary>
internal sealed record CommandResult(int? ExitCode, string Stdout, string Stderr, bool TimedOut, string? StartError)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut && StartError is null;

    /// <summary>The last non-empty stderr line: where bubblewrap and most tools put the reason they failed.</summary>
    public string? LastErrorLine =>
        Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}

/// <summary>Runs a short host command for a probe, with a timeout, and never throws for a failing command.</summary>
internal static class ProbeCommand
{
    public static CommandResult Run(string path, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (Win32Exception e) { return new CommandResult(null, "", "", false, $"cannot start {path}: {e.Message}"); }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* it exited meanwhile */ }
                process.WaitForExit();
                return new CommandResult(null, stdout.Result, stderr.Result, true, null);
            }
            return new CommandResult(process.ExitCode, stdout.Result, stderr.Result, false, null);
        }
    }
}
