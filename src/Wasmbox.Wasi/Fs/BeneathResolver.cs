using System.Text;
using Microsoft.Win32.SafeHandles;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Fs.Interop;

namespace Wasmbox.Wasi.Fs;

/// <summary>
/// Resolves guest paths beneath a directory handle, so that no path, symlink or <c>..</c> leads outside it.
/// </summary>
/// <remarks>
/// <para><b>Overview.</b> The constraint: a guest path is relative to one of its directory descriptors and must never
/// name anything outside that directory, even when the host (or the guest itself) plants symlinks or swaps directories
/// between two calls. String checks cannot give that guarantee (the file system changes between check and use), so the
/// kernel does the walk:</para>
/// <list type="number">
/// <item><c>openat2(dirfd, path, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)</c> (Linux 5.6+): the kernel refuses with EXDEV
/// any <c>..</c>, absolute symlink or relative symlink that would leave <c>dirfd</c>, and with ELOOP any /proc magic link.
/// We report EXDEV as <see cref="Errno.Notcapable"/>. EAGAIN (a rename raced with a <c>..</c>) is retried a few times,
/// then handed to the walk below.</item>
/// <item>Where openat2 is missing (ENOSYS; or <see cref="ForceFallback"/> in tests) a component-by-component walk with
/// <c>O_PATH|O_NOFOLLOW</c>: every directory is opened relative to the previous handle and never followed; a symlink is
/// read with readlinkat and its target pushed back onto the components (absolute targets refused), and <c>..</c> pops
/// the stack of handles, refused at the bottom. A swap after a check makes the next O_NOFOLLOW open fail: it fails closed.</item>
/// </list>
/// <para>For calls that act on the final component, <see cref="OpenParent"/> opens the parent directory the same way and
/// returns the last name; when that name must be followed (lookupflags.symlink_follow), a symlink there is read and the
/// path re-resolved from the start directory with its target in place, again by the kernel.</para>
/// </remarks>
internal static class BeneathResolver
{
    /// <summary>Symlinks followed in one resolution before ELOOP (Linux's own limit is 40).</summary>
    public const int MaxSymlinkHops = 40;

    /// <summary>
    /// Use the component walk even where openat2 exists, on this thread only. For tests of the walk: per thread so
    /// that tests running in parallel on other threads keep using openat2.
    /// </summary>
    internal static bool ForceFallback
    {
        get => t_forceFallback;
        set => t_forceFallback = value;
    }

    [ThreadStatic]
    private static bool t_forceFallback;

    private static bool s_openat2Missing;

    /// <summary>Whether the next resolution uses the component walk.</summary>
    internal static bool UsesFallback => ForceFallback || s_openat2Missing;

    /// <summary>
    /// Opens <paramref name="path"/> beneath <paramref name="root"/> with open(2) <paramref name="flags"/>
    /// (<c>O_CLOEXEC</c> is always added). A final symlink is followed unless <c>O_NOFOLLOW</c> is set.
    /// </summary>
    /// <returns><see cref="Errno.Notcapable"/> when the path leads outside <paramref name="root"/>; else the host's errno.</returns>
    public static Errno Open(SafeFileHandle root, string path, int flags, uint mode, out SafeFileHandle handle)
    {
        flags |= Sys.O_CLOEXEC;
        if (!UsesFallback)
        {
            for (var attempt = 0; attempt < 8; attempt++)
            {
                var errno = Openat2(root, path, flags, mode, out handle);
                if (errno == Errno.Nosys)
                {
                    s_openat2Missing = true;
                    break;
                }
                if (errno != Errno.Again) return errno;
            }
        }
        return WalkOpen(root, path, flags, mode, out handle);
    }

    /// <summary>
    /// Opens the directory holding the last component of <paramref name="path"/> and returns it with that name. When
    /// <paramref name="followFinal"/> is set and the last component is a symlink, its target is resolved the same way
    /// (up to <see cref="MaxSymlinkHops"/>), so the result names a non-symlink or a missing entry.
    /// </summary>
    /// <returns><see cref="Errno.Notcapable"/> when the path leads outside <paramref name="root"/>; ELOOP past the hop
    /// limit; else the host's errno for the parent's resolution.</returns>
    public static Errno OpenParent(SafeFileHandle root, string path, bool followFinal, out ResolvedParent parent)
    {
        if (UsesFallback) return Walk(root, path, followFinal, out parent);
        for (var hops = 0; ; hops++)
        {
            var trimmed = path.TrimEnd('/');
            var trailingSlash = trimmed.Length < path.Length;
            var slash = trimmed.LastIndexOf('/');
            var parentPath = slash < 0 ? "" : trimmed[..slash];
            var last = trimmed[(slash + 1)..];

            if (last is "." or ".." or "")
            {
                // The path names a directory through "." or "..": resolve all of it (the kernel keeps ".." beneath root)
                // and act on "." inside it. Acting on ".." relative to a parent would reach above the grant.
                var errno = Open(root, trimmed.Length == 0 ? "." : trimmed, Sys.O_PATH | Sys.O_DIRECTORY, 0, out var self);
                parent = errno == Errno.Success ? new ResolvedParent(self, owned: true, ".", trailingSlash) : null!;
                return errno;
            }

            SafeFileHandle dir;
            var owned = parentPath.Length > 0;
            if (owned)
            {
                var errno = Open(root, parentPath, Sys.O_PATH | Sys.O_DIRECTORY, 0, out dir);
                if (errno != Errno.Success)
                {
                    parent = null!;
                    return errno;
                }
            }
            else dir = root;

            if (followFinal)
            {
                var link = ReadLink(dir, last, out var target);
                if (link == Errno.Success)
                {
                    if (owned) dir.Dispose();
                    parent = null!;
                    if (hops >= MaxSymlinkHops) return Errno.Loop;
                    if (target.Length == 0) return Errno.Noent;
                    if (target[0] == '/') return Errno.Notcapable;
                    // Why a string: the target is relative to the link's directory, and ".." in it may legitimately
                    // climb towards root; re-resolving from root lets the kernel judge it again.
                    path = (parentPath.Length > 0 ? parentPath + "/" : "") + target + (trailingSlash ? "/" : "");
                    continue;
                }
                if (link is not (Errno.Inval or Errno.Noent))
                {
                    if (owned) dir.Dispose();
                    parent = null!;
                    return link;
                }
            }
            parent = new ResolvedParent(dir, owned, last, trailingSlash);
            return Errno.Success;
        }
    }

    /// <summary>The target of the symlink <paramref name="name"/> in <paramref name="dir"/>; EINVAL when it is not a symlink.</summary>
    public static unsafe Errno ReadLink(SafeFileHandle dir, string name, out string target)
    {
        var buffer = stackalloc byte[Sys.PATH_MAX];
        var n = Sys.Readlinkat(dir, name, buffer, Sys.PATH_MAX);
        if (n < 0)
        {
            target = "";
            return ErrnoMapping.LastError();
        }
        if (n >= Sys.PATH_MAX)
        {
            target = "";
            return Errno.Nametoolong;
        }
        target = Encoding.UTF8.GetString(buffer, (int)n);
        return Errno.Success;
    }

    private static unsafe Errno Openat2(SafeFileHandle root, string path, int flags, uint mode, out SafeFileHandle handle)
    {
        var how = new Sys.OpenHow
        {
            Flags = (ulong)(uint)flags,
            // openat2, unlike openat, refuses a mode without O_CREAT.
            Mode = (flags & Sys.O_CREAT) != 0 ? mode : 0,
            Resolve = Sys.RESOLVE_BENEATH | Sys.RESOLVE_NO_MAGICLINKS,
        };
        var fd = Sys.SyscallOpenat2(Sys.SYS_openat2, root, path, &how, (nuint)sizeof(Sys.OpenHow));
        if (fd < 0)
        {
            handle = null!;
            var errno = ErrnoMapping.LastError();
            // EXDEV is openat2's answer to "this would leave dirfd" under RESOLVE_BENEATH.
            return errno == Errno.Xdev ? Errno.Notcapable : errno;
        }
        handle = new SafeFileHandle((nint)fd, ownsHandle: true);
        return Errno.Success;
    }

    private static Errno WalkOpen(SafeFileHandle root, string path, int flags, uint mode, out SafeFileHandle handle)
    {
        handle = null!;
        var trailingSlash = path.EndsWith('/');
        // A trailing slash means "resolve it as a directory", which POSIX makes follow a final symlink.
        var follow = (flags & Sys.O_NOFOLLOW) == 0 || trailingSlash;
        var errno = Walk(root, path, follow, out var parent);
        if (errno != Errno.Success) return errno;
        using (parent)
        {
            var finalFlags = flags | Sys.O_NOFOLLOW | (trailingSlash ? Sys.O_DIRECTORY : 0);
            var fd = Sys.Openat(parent.Dir, parent.Name, finalFlags, mode);
            if (fd < 0) return ErrnoMapping.LastError();
            handle = new SafeFileHandle(fd, ownsHandle: true);
            return Errno.Success;
        }
    }

    /// <summary>The component walk: see the overview. Returns the parent of the final component and its name.</summary>
    private static Errno Walk(SafeFileHandle root, string path, bool followFinal, out ResolvedParent parent)
    {
        parent = null!;
        var trailingSlash = path.EndsWith('/');
        // Components still to resolve, the next one last (so a symlink's target can be pushed in front).
        var pending = new List<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        pending.Reverse();
        // Directories opened below root, deepest last; ".." pops.
        var opened = new List<SafeFileHandle>();
        var hops = 0;
        var finalName = ".";
        try
        {
            while (pending.Count > 0)
            {
                var component = pending[^1];
                pending.RemoveAt(pending.Count - 1);
                var isLast = pending.Count == 0;
                var current = opened.Count > 0 ? opened[^1] : root;

                if (component == ".")
                {
                    if (isLast) finalName = ".";
                    continue;
                }
                if (component == "..")
                {
                    if (opened.Count == 0) return Errno.Notcapable;
                    opened[^1].Dispose();
                    opened.RemoveAt(opened.Count - 1);
                    if (isLast) finalName = ".";
                    continue;
                }
                if (!isLast || followFinal)
                {
                    var link = ReadLink(current, component, out var target);
                    if (link == Errno.Success)
                    {
                        if (++hops > MaxSymlinkHops) return Errno.Loop;
                        if (target.Length == 0) return Errno.Noent;
                        if (target[0] == '/') return Errno.Notcapable;
                        var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
                        for (var i = parts.Length - 1; i >= 0; i--) pending.Add(parts[i]);
                        if (parts.Length == 0 && isLast) finalName = ".";
                        continue;
                    }
                    // EINVAL: it exists and is not a symlink. ENOENT on the last one: a name to be created.
                    if (link != Errno.Inval && !(link == Errno.Noent && isLast)) return link;
                }
                if (isLast)
                {
                    finalName = component;
                    break;
                }
                var fd = Sys.Openat(current, component, Sys.O_PATH | Sys.O_DIRECTORY | Sys.O_NOFOLLOW | Sys.O_CLOEXEC, 0);
                if (fd < 0) return ErrnoMapping.LastError();
                opened.Add(new SafeFileHandle(fd, ownsHandle: true));
            }

            if (opened.Count == 0)
            {
                parent = new ResolvedParent(root, owned: false, finalName, trailingSlash);
            }
            else
            {
                parent = new ResolvedParent(opened[^1], owned: true, finalName, trailingSlash);
                opened.RemoveAt(opened.Count - 1);
            }
            return Errno.Success;
        }
        finally
        {
            foreach (var fd in opened) fd.Dispose();
        }
    }
}
