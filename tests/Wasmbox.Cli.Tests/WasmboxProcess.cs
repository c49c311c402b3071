using System.Diagnostics;

namespace Wasmbox.Cli.Tests;

/// <summary>The real <c>wasmbox</c> executable, started as a separate process, as a user starts it.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stderr's lines, without empty ones.</summary>
    public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

public static class WasmboxProcess
{
    /// <summary>wasmbox.dll is copied next to the tests by the project reference; run it with the same dotnet host.</summary>
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "wasmbox.dll");

    public static CliResult Run(string[] args, string? stdin = null, string? workingDirectory = null, IDictionary<string, string?>? env = null)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Guests.RepoRoot,
        };
        start.ArgumentList.Add(Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) start.Environment[k] = v;
        // Every test gets a private cache unless it chooses one, so tests never share compiled files by accident.
        if (!args.Contains("--cache-dir") && !args.Contains("--no-cache") && env?.ContainsKey("XDG_CACHE_HOME") != true)
            start.Environment["XDG_CACHE_HOME"] = SharedCache;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("wasmbox did not finish within 60 s: " + string.Join(' ', args));
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static readonly string SharedCache = Path.Combine(Path.GetTempPath(), $"wasmbox-cli-tests-{Environment.ProcessId}");
}
