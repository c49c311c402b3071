using System.Diagnostics;
using System.Runtime.InteropServices;
using Wasmbox.Jail.Interop;
using Wasmbox.Jail.Syscalls;

namespace Wasmbox.Jail.Tests.Syscalls;

/// <summary>What a command did inside the jail.</summary>
internal sealed record JailRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}, stdout '{Stdout.Trim()}', stderr '{Stderr.Trim()}'";
}

/// <summary>
/// Runs a command in a real bubblewrap jail shaped like the worker's (all namespaces, no capabilities, read-only host
/// view), with or without <see cref="WorkerSeccompFilter"/>.
/// </summary>
internal static class BwrapJail
{
    public const string Bwrap = "/usr/bin/bwrap";

    private static readonly Lazy<string?> WhyUnavailable = new(() =>
    {
        if (!File.Exists(Bwrap)) return $"{Bwrap} is missing (apt-get install -y bubblewrap)";
        var smoke = Start([Bwrap, "--unshare-all", "--ro-bind", "/", "/", "true"], filterFd: null);
        return smoke.ExitCode == 0 ? null : $"bwrap cannot create namespaces here: {smoke.Stderr.Trim()}";
    });

    /// <summary>Skips the test, visibly, when there is no usable bubblewrap.</summary>
    public static void Require()
    {
        WorkerSeccompFilterTests.RequireLibseccomp();
        if (WhyUnavailable.Value is { } why) Assert.Skip(why);
    }

    /// <summary>Only one child at a time may see a filter fd without CLOEXEC.</summary>
    private static readonly Lock SpawnLock = new();

    public static JailRun Run(bool filtered, params string[] command) => Run(filtered, [], command);

    /// <param name="jailOptions">More bwrap options, placed after the read-only host view (for example a tmpfs).</param>
    public static JailRun Run(bool filtered, string[] jailOptions, params string[] command)
    {
        using var filter = filtered ? WorkerSeccompFilter.Export() : null;
        var fd = filter is null ? (int?)null : (int)filter.DangerousGetHandle();
        string[] jail = [Bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
                         "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", .. jailOptions,
                         .. fd is { } f ? new[] { "--seccomp", f.ToString() } : [], "--", .. command];
        return Start(jail, filter);
    }

    private static JailRun Start(string[] argv, SafeHandle? filterFd)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in argv[1..]) start.ArgumentList.Add(a);
        Process process;
        lock (SpawnLock)
        {
            // .NET's Process.Start does not close inherited descriptors, so a non-CLOEXEC fd reaches bwrap as is.
            if (filterFd is not null)
                Assert.Equal(0, Sys.Fcntl((int)filterFd.DangerousGetHandle(), Sys.F_SETFD, 0));
            try { process = Process.Start(start)!; }
            finally { filterFd?.Dispose(); }
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"jailed command did not finish within 60 s: {string.Join(' ', argv)}");
            }
            return new JailRun(process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    /// <summary>Runs <c>perl -e code</c> in the jail, asserts that perl itself exited 0, and returns what it printed.</summary>
    public static string Perl(bool filtered, string code)
    {
        var run = Run(filtered, "/usr/bin/perl", "-e", code);
        Assert.True(run.ExitCode == 0, $"perl in the jail ({(filtered ? "with" : "without")} the filter): {run}");
        return run.Stdout.Trim();
    }
}
