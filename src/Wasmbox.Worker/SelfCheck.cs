using System.Runtime.InteropServices;
using System.Text.Json;

namespace Wasmbox.Worker;

/// <summary>
/// <c>wasmbox-worker --self-check [CHECK ARG]...</c>: reports, as one JSON object on stdout, what this process can see and
/// do. The jail tests start it inside a real jail and assert on the report, so each jail step is checked from the
/// inside, by the same binary the guest runs in, rather than by a mirror of the jail's arguments.
/// </summary>
/// <remarks>
/// Always reported: uid, pid, effective capabilities, no_new_privs, seccomp mode, network interfaces, whether an AF_INET
/// and an AF_UNIX socket can be created, what a ptrace attach answers, the open descriptors beyond stdio, the rlimits and
/// the cgroup lines. Checks that take an argument (repeatable): <c>--path P</c> (visible or not), <c>--write P</c>
/// (create a file), <c>--remount P</c> (try to remount a bind mount read-write), <c>--threads N</c> (start N threads,
/// report how many started), <c>--alloc BYTES</c> (allocate and touch native memory, for the cgroup memory limit),
/// <c>--broker-connect HOST:PORT</c> (a connection through the network broker, see SelfCheck.Broker.cs).
/// Calls that could succeed are given arguments that fail harmlessly without the jail (ptrace on a pid that does not
/// exist answers ESRCH, not EPERM), so a refusal can only come from the jail.
/// </remarks>
internal static partial class SelfCheck
{
    public static int Run(string[] checks)
    {
        // Why wait for the end of stdin: a pooled worker's jail is completed by its parent after the spawn (the module
        // copied in, the memory limit raised), so the pool tests close stdin only then. Other callers close it at once.
        using (var stdin = Console.OpenStandardInput()) stdin.CopyTo(Stream.Null);
        using var stdout = Console.OpenStandardOutput();
        using var json = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        var status = ReadStatus();
        json.WriteNumber("uid", GetUid());
        json.WriteNumber("pid", Environment.ProcessId);
        json.WriteString("cap_eff", status.GetValueOrDefault("CapEff", "?"));
        json.WriteString("no_new_privs", status.GetValueOrDefault("NoNewPrivs", "?"));
        json.WriteString("seccomp", status.GetValueOrDefault("Seccomp", "?"));
        json.WriteStartArray("net_interfaces");
        foreach (var name in NetInterfaces()) json.WriteStringValue(name);
        json.WriteEndArray();
        json.WriteString("socket_inet", Result(Socket(2, 1, 0), close: true));
        json.WriteString("socket_inet6", Result(Socket(10, 1, 0), close: true));
        json.WriteString("socket_unix", Result(Socket(1, 1, 0), close: true));
        json.WriteString("ptrace_attach", Result((int)Ptrace(16, 999_999_999, 0, 0), close: false));
        json.WriteStartArray("fds");
        foreach (var fd in OpenFds()) json.WriteStringValue(fd);
        json.WriteEndArray();
        json.WriteStartObject("rlimits");
        foreach (var (name, resource) in new[] { ("nofile", 7), ("fsize", 1), ("core", 4), ("cpu", 0) })
        {
            json.WriteString(name, GetRlimit(resource, out var limit) == 0 ? $"{Format(limit.Current)}/{Format(limit.Maximum)}" : Errno());
        }
        json.WriteEndObject();
        json.WriteString("cgroup", ReadOrError("/proc/self/cgroup"));
        json.WriteStartArray("mounts");
        foreach (var mount in Mounts()) json.WriteStringValue(mount);
        json.WriteEndArray();

        for (var i = 0; i + 1 < checks.Length; i += 2)
        {
            var (check, arg) = (checks[i], checks[i + 1]);
            json.WriteString($"{check.TrimStart('-')}:{arg}", check switch
            {
                "--path" => Path.Exists(arg) ? "visible" : "invisible",
                "--write" => TryWrite(arg),
                "--remount" => Result(Mount(null, arg, null, MsRemount | MsBind, 0), close: false),
                "--threads" => StartThreads(int.Parse(arg, System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--alloc" => Allocate(long.Parse(arg, System.Globalization.CultureInfo.InvariantCulture)),
                "--broker-fd" => SetBroker(arg),
                "--broker-connect" => BrokerConnect(arg),
                _ => "unknown check",
            });
            json.Flush();
        }
        json.WriteEndObject();
        json.Flush();
        stdout.Write("\n"u8);
        return 0;
    }

    private const ulong MsBind = 4096, MsRemount = 32;

    private static Dictionary<string, string> ReadStatus()
    {
        var result = new Dictionary<string, string>();
        foreach (var line in File.ReadAllLines("/proc/self/status"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0) result[line[..colon]] = line[(colon + 1)..].Trim();
        }
        return result;
    }

    /// <summary>The mount view: each mount point with its options and file system type, in mount order (host paths left out).</summary>
    private static IEnumerable<string> Mounts() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(line =>
        {
            // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            return $"{fields[4]} {fields[5]} {(dash > 0 && dash + 1 < fields.Length ? fields[dash + 1] : "?")}";
        });

    private static IEnumerable<string> NetInterfaces() =>
        File.ReadAllLines("/proc/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).Where(n => n.Length > 0);

    /// <summary>Every descriptor open beyond stdio, with what it points at (the listing's own descriptor excluded).</summary>
    private static IEnumerable<string> OpenFds()
    {
        var entries = new List<string>();
        foreach (var path in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            var name = Path.GetFileName(path);
            if (name is "0" or "1" or "2") continue;
            string target;
            try { target = File.ResolveLinkTarget(path, returnFinalTarget: false)?.ToString() ?? "?"; }
            catch (IOException) { continue; } // the enumeration's own descriptor, already closed
            entries.Add($"{name} -> {target}");
        }
        return entries;
    }

    private static string TryWrite(string path)
    {
        try
        {
            File.WriteAllText(path, "written from inside the jail");
            return "ok";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e is UnauthorizedAccessException ? "EACCES" : $"error: {e.Message}";
        }
    }

    private static int StartThreads(int count)
    {
        var started = 0;
        var release = new ManualResetEventSlim();
        var threads = new List<Thread>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var t = new Thread(() => release.Wait()) { IsBackground = true };
                t.Start();
                threads.Add(t);
                started++;
            }
        }
        catch (Exception e) when (e is OutOfMemoryException or ThreadStartException or System.ComponentModel.Win32Exception)
        {
            // The pids limit refused a thread; the count says how many it allowed.
        }
        release.Set();
        return started;
    }

    private static string Allocate(long bytes)
    {
        var block = Marshal.AllocHGlobal((nint)bytes);
        unsafe
        {
            var p = (byte*)block;
            for (long i = 0; i < bytes; i += 4096) p[i] = 1;
        }
        Marshal.FreeHGlobal(block);
        return "ok";
    }

    private static string ReadOrError(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "error: " + e.Message; }
    }

    private static string Result(int rc, bool close)
    {
        if (rc < 0) return Errno();
        if (close) Close(rc);
        return "ok";
    }

    private static string Errno() => Marshal.GetLastPInvokeError() switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        13 => "EACCES",
        22 => "EINVAL",
        30 => "EROFS",
        38 => "ENOSYS",
        97 => "EAFNOSUPPORT",
        var n => $"errno {n}",
    };

    private static string Format(ulong limit) => limit == ulong.MaxValue ? "unlimited" : limit.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    // ptrace is variadic in C; integer arguments pass the same way on Linux x86-64 and arm64.
    [LibraryImport("libc", EntryPoint = "ptrace", SetLastError = true)]
    private static partial long Ptrace(int request, int pid, nint address, nint data);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string? source, string target, string? fsType, ulong flags, nint data);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, out Rlimit limit);
}
