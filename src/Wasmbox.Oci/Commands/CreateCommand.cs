using System.Globalization;
using Wasmbox.Oci.Bundle;
using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Container;
using Wasmbox.Oci.Delegation;
using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Commands;

/// <summary>
/// <c>create [--bundle|-b DIR] [--pid-file F] [--console-socket S] [--preserve-fds N] [--no-pivot] [--no-new-keyring] ID</c>:
/// checks the bundle, leaves a container process waiting for <c>start</c>, writes its pid, and returns. Any failure
/// leaves no state behind. A bundle that is not wasm goes to runc as it is.
/// </summary>
internal static class CreateCommand
{
    public static int Run(OciContext context, IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, "create",
            new Dictionary<string, string[]> { ["bundle"] = ["b"], ["pid-file"] = [], ["console-socket"] = [], ["preserve-fds"] = [] },
            new Dictionary<string, string[]> { ["no-pivot"] = [], ["no-new-keyring"] = [] });
        var id = reader.Id("create");
        if (context.Store.Exists(id) || RuncDelegate.Owns(context, id))
            throw new OciException($"container {id} already exists; delete it first or choose another id");
        var bundle = BundleReader.Read(reader.Value("bundle") ?? Directory.GetCurrentDirectory());
        if (!WasmDetection.IsWasm(bundle, out var why)) return RuncDelegate.Run(context, "create", args, why);
        context.Log.Info($"create {id}: wasm ({why})");

        var preserveFds = 0;
        if (reader.Value("preserve-fds") is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out preserveFds) || preserveFds > 1 << 16))
            throw new OciException($"create: --preserve-fds '{text}': write a number of descriptors");
        var plan = PolicyMapping.Map(bundle);
        foreach (var note in plan.Notes)
        {
            if (note.Level == NoteLevel.Covered) context.Log.Info(note.Message);
            else context.Log.Warning(note.Message);
        }
        var wantsTerminal = bundle.Config.Process?.Terminal == true;
        var consoleSocket = reader.Value("console-socket");
        if (wantsTerminal && consoleSocket is null)
            throw new OciException("process.terminal is true, but no --console-socket was given to send the terminal to; pass one (podman and containerd do), or set process.terminal to false");
        if (!wantsTerminal && consoleSocket is not null)
            context.Log.Warning($"--console-socket {consoleSocket} is ignored: process.terminal is false, so no terminal is set up");
        if (preserveFds > 0)
            context.Log.Warning($"--preserve-fds {preserveFds}: the descriptors stay open in the container process, but a WASI guest cannot use inherited descriptors");
        // Every namespace path checked (a bad one refused here, before any state), the network one kept open to join.
        using var network = ContainerNetwork.Open(bundle.Config);

        context.Store.Claim(id);
        try
        {
            context.Store.Write(new ContainerState
            {
                Id = id,
                Bundle = bundle.Directory,
                Rootfs = bundle.Rootfs,
                Status = "creating",
                Created = DateTimeOffset.UtcNow,
                Annotations = new Dictionary<string, string>(bundle.Annotations),
            });
            var size = bundle.Config.Process?.ConsoleSize;
            using var terminal = wantsTerminal
                ? ConsoleTerminal.Open(consoleSocket!, (ushort)Math.Min(size?.Width ?? 0, ushort.MaxValue), (ushort)Math.Min(size?.Height ?? 0, ushort.MaxValue))
                : null;
            var pid = ContainerSpawner.Start(context.Global, id, preserveFds, terminal?.Slave, network);
            if (reader.Value("pid-file") is { } pidFile) WritePidFile(pidFile, pid);
            return 0;
        }
        catch
        {
            // A failed create leaves nothing: the container process, if any, was killed by the spawner.
            context.Store.Remove(id);
            throw;
        }
    }

    /// <summary>Writes the pid as runc does: the number alone, no newline, through a rename so that a reader never sees half of it.</summary>
    private static void WritePidFile(string path, int pid)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}");
        try
        {
            File.WriteAllText(temp, pid.ToString(CultureInfo.InvariantCulture));
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { }
            try { Wasmbox.Oci.Interop.Libc.Kill(pid, 9); } catch (DllNotFoundException) { }
            throw new OciException($"cannot write the pid file {path}: {e.Message}");
        }
    }
}
