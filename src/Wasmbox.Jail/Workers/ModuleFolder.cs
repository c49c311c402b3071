using System.Globalization;

namespace Wasmbox.Jail.Workers;

/// <summary>
/// A private host folder that a jailed run worker sees read-only at <see cref="Bubblewrap.JailLayout.ModuleDir"/>, holding
/// only the module the worker loads. Every jailed run worker has one, so that a pooled worker and a per-assignment one see
/// the same <c>/run/wasmbox</c>: a read-only folder with one file in it.
/// </summary>
/// <remarks>
/// <para>A per-assignment worker gets an empty placeholder file here, and bubblewrap binds the verified artifact over it
/// (<see cref="CreateWithPlaceholder"/>): no copy, and the cache entry's own inode is never touched. A pooled worker is
/// started before its module is known, so the folder starts empty and the parent copies the verified artifact in just
/// before the assignment (<see cref="Place"/>).</para>
/// <para>Why a copy and not a hard link: a link changes the entry's ctime, which is part of the stamp the cache memoises
/// its verification under (docs/RATIONALE.md, "Why memoise …"), so every pooled run would verify the whole entry again.
/// <c>File.Copy</c> clones or copies in the kernel where the file system can.</para>
/// <para>Why nothing can go wrong across sandboxes: the folder is made fresh (mode 0700, mkdir refuses an existing name)
/// for one worker, the worker sees it read-only, and the worker serves one sandbox and exits; the folder is removed with
/// it.</para>
/// </remarks>
internal sealed class ModuleFolder : IDisposable
{
    private const string Prefix = "wasmbox-module-";

    private ModuleFolder(string path) => Path = path;

    /// <summary>The folder on the host.</summary>
    public string Path { get; }

    /// <summary>A new empty folder <c>wasmbox-module-NAME</c> under <paramref name="parent"/> (made if missing).</summary>
    /// <exception cref="JailSetupException">The folder cannot be made.</exception>
    public static ModuleFolder Create(string parent, string name)
    {
        var path = System.IO.Path.Combine(parent, Prefix + name);
        try
        {
            Directory.CreateDirectory(parent);
            // Fails on an existing name (a planted folder or link included): we never adopt a folder we did not make.
            if (Directory.Exists(path) || File.Exists(path))
                throw new IOException($"{path} already exists");
            if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the jail is Linux only");
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return new ModuleFolder(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JailSetupException($"cannot create the worker's module folder {path} ({e.Message}); make {parent} writable, or set TMPDIR");
        }
    }

    /// <summary>A folder holding an empty <paramref name="fileName"/>, for bubblewrap to bind the module over.</summary>
    public static ModuleFolder CreateWithPlaceholder(string parent, string name, string fileName)
    {
        var folder = Create(parent, name);
        try
        {
            File.Create(System.IO.Path.Combine(folder.Path, fileName)).Dispose();
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            folder.Dispose();
            throw new JailSetupException($"cannot create the module placeholder in {folder.Path} ({e.Message})");
        }
    }

    /// <summary>Copies <paramref name="file"/> in as <paramref name="fileName"/>, read-only; for a pooled worker, before its assignment.</summary>
    /// <exception cref="JailSetupException">The copy failed (a full disk, a vanished file).</exception>
    public void Place(string file, string fileName)
    {
        var target = System.IO.Path.Combine(Path, fileName);
        try
        {
            File.Copy(file, target, overwrite: false);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, UnixFileMode.UserRead);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JailSetupException($"cannot copy the module into the worker's folder {Path} ({e.Message})");
        }
    }

    /// <summary>Removes the folder and what is in it. Never throws.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind in a temporary or staging folder; it holds at most one copy of a module.
        }
    }

    /// <summary>
    /// Removes <c>wasmbox-module-PID-…</c> folders under <paramref name="root"/> whose process is gone: only a process
    /// killed with SIGKILL leaves one (an empty placeholder, or one copy of a module). At most once a minute per root.
    /// </summary>
    public static void RemoveStale(string root)
    {
        var now = Environment.TickCount64;
        lock (LastSweep)
        {
            if (LastSweep.TryGetValue(root, out var last) && now - last < 60_000) return;
            LastSweep[root] = now;
        }
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(root, Prefix + "*"))
            {
                var rest = System.IO.Path.GetFileName(dir)[Prefix.Length..];
                var dash = rest.IndexOf('-');
                if (dash <= 0 || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
                if (pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}")) continue;
                try { Directory.Delete(dir, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // no such root yet, or not ours to list
    }

    private static readonly Dictionary<string, long> LastSweep = [];
}
