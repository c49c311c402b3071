using Wasmbox.Core.Policy;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Bundle;

/// <summary>
/// The rootfs and config.json <c>mounts</c> as directory grants: the rootfs at guest <c>/</c> (read-only when
/// <c>root.readonly</c>), each bind mount of a directory at its destination (read-only with the <c>ro</c> option).
/// </summary>
/// <remarks>
/// Not granted: <c>/proc</c>, <c>/sys</c>, <c>/dev</c> and what lies under them (a WASI guest has no use for kernel
/// interfaces or devices, and granting them would hand the host's to it), and the <c>/etc/hosts</c>,
/// <c>/etc/hostname</c> and <c>/etc/resolv.conf</c> files the engines bind in (files cannot be granted, and the
/// guest has no network). A later mount at the same destination replaces an earlier one, as mounting over it would.
/// </remarks>
internal static class MountMapping
{
    private static readonly string[] KernelTrees = ["/proc", "/sys", "/dev"];
    private static readonly string[] NetworkFiles = ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"];

    public static IReadOnlyList<DirGrant> Grants(OciBundle bundle, List<ConfigNote> notes)
    {
        var grants = new List<DirGrant> { new(bundle.Rootfs, "/", bundle.Config.Root?.Readonly == true) };
        foreach (var mount in bundle.Config.Mounts ?? [])
        {
            var dest = mount.Destination ?? throw new OciException("config.json mounts: a mount has no destination; fix the bundle");
            if (!dest.StartsWith('/')) throw new OciException($"config.json mounts: destination '{dest}' is not absolute; fix the bundle");
            dest = "/" + string.Join('/', dest.Split('/', StringSplitOptions.RemoveEmptyEntries));
            if (mount.Extra is { Count: > 0 } extra)
                notes.Add(new ConfigNote(NoteLevel.Ignored, $"config.json mounts {dest}: {string.Join(", ", extra.Keys)} ignored"));
            if (KernelTrees.Any(t => dest == t || dest.StartsWith(t + "/", StringComparison.Ordinal)))
            {
                notes.Add(new ConfigNote(NoteLevel.Covered, $"config.json mounts {dest} ({mount.Type}) is not granted: a WASI guest sees no kernel interfaces or devices"));
                continue;
            }
            if (NetworkFiles.Contains(dest))
            {
                notes.Add(new ConfigNote(NoteLevel.Covered, $"config.json mounts {dest} is not granted: the guest has no network"));
                continue;
            }
            var options = mount.Options ?? [];
            var bind = mount.Type == "bind" || options.Contains("bind") || options.Contains("rbind");
            if (!bind)
            {
                notes.Add(new ConfigNote(NoteLevel.Ignored, $"config.json mounts {dest}: a {mount.Type ?? "typeless"} mount is not made; the guest sees the rootfs's own {dest}, if any"));
                continue;
            }
            var source = Path.GetFullPath(mount.Source ?? throw new OciException($"config.json mounts {dest}: a bind mount has no source; fix the bundle"), bundle.Directory);
            if (File.Exists(source))
            {
                notes.Add(new ConfigNote(NoteLevel.Ignored, $"config.json mounts {dest}: {source} is a file, and WASI preview1 grants directories only; bind its folder instead"));
                continue;
            }
            if (!Directory.Exists(source))
                throw new OciException($"config.json mounts {dest}: the source {source} does not exist; create it or fix the mount");
            grants.RemoveAll(g => g.GuestPath == dest);
            grants.Add(new DirGrant(Path.TrimEndingDirectorySeparator(source), dest, ReadOnly: options.Contains("ro")));
        }
        return grants;
    }
}
