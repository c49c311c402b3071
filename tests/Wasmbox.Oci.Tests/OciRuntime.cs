using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Wasmbox.Oci.Tests;

/// <summary>What one wasmbox-oci call printed and how it exited.</summary>
internal sealed record OciResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// The JIT-built wasmbox-oci beside the tests, run as conmon and containerd's shim run it: with its own state root,
/// stdio on files (the container process keeps them, as it keeps conmon's pipes), optionally a JSON log and extra
/// open descriptors. This test process is a child subreaper (PR_SET_CHILD_SUBREAPER, as conmon and the shim are), so
/// the container process, orphaned when <c>create</c> exits, becomes our child and <see cref="WaitExit"/> reaps it.
/// </summary>
internal sealed partial class OciRuntime : IDisposable
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "wasmbox-oci.dll");

    /// <summary>Every call is bounded: a hung runtime fails the test instead of the suite.</summary>
    public static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    private readonly TempDir _dir = new("wasmbox-oci-root");

    static OciRuntime()
    {
        if (Prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) throw new InvalidOperationException("prctl(PR_SET_CHILD_SUBREAPER) failed");
    }

    public string Root => Path.Combine(_dir.Path, "root");

    public string LogFile => Path.Combine(_dir.Path, "log.json");

    /// <summary>Global flags put before every command (e.g. --delegate).</summary>
    public List<string> GlobalArgs { get; } = [];

    public string File(string name) => Path.Combine(_dir.Path, name);

    /// <summary>Runs <c>wasmbox-oci --root ROOT --log LOG --log-format json ARGS</c>; stdout and stderr go to files named after <paramref name="tag"/>.</summary>
    /// <param name="shellSetup">Shell words run before exec, such as <c>exec 3&lt;FILE</c> to leave a descriptor open.</param>
    public OciResult Run(string[] args, string tag = "call", string shellSetup = "")
    {
        var stdout = File(tag + ".out");
        var stderr = File(tag + ".err");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = _dir.Path };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"{shellSetup}\nexec \"$@\" </dev/null >'{stdout}' 2>'{stderr}'");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "/usr/bin/dotnet");
        start.ArgumentList.Add(Dll);
        foreach (var a in (string[])["--root", Root, "--log", LogFile, "--log-format", "json", .. GlobalArgs, .. args]) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        if (!process.WaitForExit(CallLimit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"wasmbox-oci {string.Join(' ', args)} did not return within {CallLimit.TotalSeconds} s");
        }
        return new OciResult(process.ExitCode, System.IO.File.ReadAllText(stdout), System.IO.File.ReadAllText(stderr));
    }

    /// <summary><c>create --bundle B --pid-file P ID</c>, asserting success; returns the pid from the pid file.</summary>
    public int Create(string bundle, string id, string shellSetup = "")
    {
        var pidFile = File(id + ".pid");
        var r = Run(["create", "--bundle", bundle, "--pid-file", pidFile, id], id, shellSetup);
        Assert.True(r.ExitCode == 0, $"create failed ({r.ExitCode}): {r.Stderr}");
        return int.Parse(System.IO.File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The guest's stdout (the container process's, which is create's).</summary>
    public string GuestStdout(string id) => System.IO.File.ReadAllText(File(id + ".out"));

    /// <summary>Waits (bounded) until the guest has printed <paramref name="text"/>.</summary>
    public void WaitForOutput(string id, string text)
    {
        var output = Poll.Until(() => GuestStdout(id), s => s.Contains(text, StringComparison.Ordinal), CallLimit);
        Assert.True(output.Contains(text, StringComparison.Ordinal), $"the guest never printed '{text}'; it printed '{output}'");
    }

    public OciResult Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.ExitCode == 0, $"wasmbox-oci {string.Join(' ', args)} failed ({r.ExitCode}): {r.Stderr}");
        return r;
    }

    public JsonElement State(string id)
    {
        using var doc = JsonDocument.Parse(Ok("state", id).Stdout);
        return doc.RootElement.Clone();
    }

    /// <summary>The log's lines, parsed.</summary>
    public List<JsonElement> LogLines() => !System.IO.File.Exists(LogFile) ? [] :
        System.IO.File.ReadAllLines(LogFile).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>Reaps the container process (our child, as we are a subreaper) and returns its status: the code, or 128 + the signal.</summary>
    public static int WaitExit(int pid, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            var r = Waitpid(pid, out var status, WNOHANG);
            if (r == pid) return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
            if (r < 0) throw new InvalidOperationException($"waitpid({pid}) failed: errno {Marshal.GetLastPInvokeError()}; is it our descendant?");
            if (DateTime.UtcNow > until) throw new TimeoutException($"container process {pid} did not exit within {limit.TotalSeconds} s");
            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        // Whatever a failed test left running: a forced delete of every container kills its process.
        var containers = Path.Combine(Root, "wasmbox@oci", "containers");
        if (Directory.Exists(containers))
            foreach (var dir in Directory.GetDirectories(containers)) Run(["delete", "--force", Path.GetFileName(dir)], "cleanup");
        _dir.Dispose();
    }

    private const int PR_SET_CHILD_SUBREAPER = 36, WNOHANG = 1;

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int Waitpid(int pid, out int status, int options);
}
