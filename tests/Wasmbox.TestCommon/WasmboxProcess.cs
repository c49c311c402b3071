using System.Diagnostics;
using System.Text;

namespace Wasmbox.TestCommon;

/// <summary>What <c>wasmbox</c> printed and how it exited, decoded as UTF-8.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stderr's lines, without empty ones.</summary>
    public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>What <c>wasmbox</c> printed and how it exited, as the exact bytes, for byte-for-byte comparisons.</summary>
public sealed record CliBytes(int ExitCode, byte[] Stdout, byte[] Stderr);

/// <summary>
/// The real <c>wasmbox</c> executable, started as a separate process, as a user starts it. A test project gets
/// wasmbox.dll beside its tests by referencing src/Wasmbox.Cli (and src/Wasmbox.Worker for the worker tiers).
/// </summary>
public static class WasmboxProcess
{
    /// <summary>wasmbox.dll is copied next to the tests by the project reference; run it with the same dotnet host.</summary>
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "wasmbox.dll");

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs wasmbox and decodes its output as UTF-8; kills it after 60 s.</summary>
    public static CliResult Run(string[] args, string? stdin = null, string? workingDirectory = null, IDictionary<string, string?>? env = null)
    {
        var r = RunAsync(args, stdin is null ? null : Encoding.UTF8.GetBytes(stdin), workingDirectory, env, DefaultTimeout, CancellationToken.None)
            .GetAwaiter().GetResult();
        return new CliResult(r.ExitCode, Encoding.UTF8.GetString(r.Stdout), Encoding.UTF8.GetString(r.Stderr));
    }

    /// <summary>Runs wasmbox with <paramref name="stdin"/> on a pipe (closed at once when null) and returns its exact
    /// output; kills its process tree and throws <see cref="TimeoutException"/> after <paramref name="timeout"/>
    /// (60 s when null).</summary>
    public static async Task<CliBytes> RunAsync(
        string[] args, byte[]? stdin = null, string? workingDirectory = null, IDictionary<string, string?>? env = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
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
        var stdout = CopyAll(process.StandardOutput.BaseStream);
        var stderr = CopyAll(process.StandardError.BaseStream);
        if (stdin is not null) await process.StandardInput.BaseStream.WriteAsync(stdin, cancellationToken);
        process.StandardInput.Close();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"wasmbox did not finish within {(timeout ?? DefaultTimeout).TotalSeconds} s: " + string.Join(' ', args));
        }
        return new CliBytes(process.ExitCode, await stdout, await stderr);
    }

    private static async Task<byte[]> CopyAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static readonly string SharedCache = Path.Combine(Path.GetTempPath(), $"wasmbox-cli-tests-{Environment.ProcessId}");
}
