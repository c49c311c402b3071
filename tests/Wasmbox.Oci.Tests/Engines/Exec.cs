using System.Diagnostics;

namespace Wasmbox.Oci.Tests.Engines;

/// <summary>What one engine command printed and how it exited.</summary>
internal sealed record ExecResult(string Command, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public override string ToString() => $"{Command} → {ExitCode} in {Elapsed.TotalSeconds:0.00} s\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs podman, ctr and friends, every call bounded: a hung engine fails one test, never the suite.</summary>
internal static class Exec
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>, stdin on /dev/null; kills its process tree when it outlives <paramref name="limit"/>.</summary>
    public static ExecResult Run(string file, IEnumerable<string> args, TimeSpan? limit = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) start.Environment[k] = v;
        var command = $"{Path.GetFileName(file)} {string.Join(' ', start.ArgumentList)}";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var bound = limit ?? DefaultLimit;
        if (!process.WaitForExit(bound))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(5000);
            throw new TimeoutException($"{command} did not return within {bound.TotalSeconds} s");
        }
        // The streams end when every holder of the pipes has closed them; a daemonised child (conmon) may hold them, so bounded too.
        Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10));
        return new ExecResult(command, process.ExitCode,
            stdout.IsCompletedSuccessfully ? stdout.Result : "", stderr.IsCompletedSuccessfully ? stderr.Result : "", clock.Elapsed);
    }

    /// <summary><see cref="Run"/>, asserting exit status 0.</summary>
    public static ExecResult Ok(string file, IEnumerable<string> args, TimeSpan? limit = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var r = Run(file, args, limit, env);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }
}
