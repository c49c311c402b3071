using System.Diagnostics;

namespace Wasmbox.Jail.Tests.Limits;

/// <summary>Starts <c>/bin/sh -c SCRIPT sh PROGRAM ARGS…</c> the way the worker launcher will.</summary>
internal static class Launch
{
    public static Process Start(string script, params string[] programAndArgs)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("sh");
        foreach (var a in programAndArgs) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>Runs to the end (at most <paramref name="timeoutSeconds"/>) and returns exit code, stdout and stderr.</summary>
    public static (int Exit, string Out, string Err) Run(string script, string[] programAndArgs, int timeoutSeconds = 10)
    {
        using var p = Start(script, programAndArgs);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"the launched program ran longer than {timeoutSeconds} s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
