using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.ExceptionServices;
using Wasmbox.Oci.Bundle;
using Wasmbox.Jail;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Container;

/// <summary>
/// <c>create</c>'s half of starting a container: starts this program again in its hidden mode
/// (<c>wasmbox-oci --root R __container ID FD</c>, see <see cref="ContainerProcess"/>) and waits until it reports, on
/// the pipe FD, that it has written its state and waits for <c>start</c>.
/// </summary>
/// <remarks>
/// Why a new process and not a thread: the container process must outlive <c>create</c> and be its descendant, so that
/// conmon or the containerd shim (subreapers both) inherit it, reap it, and read the container's exit status from its
/// own. .NET cannot fork, so it starts itself. It inherits the caller's stdio (pipes, files or /dev/null) as the
/// guest's; every other descriptor is closed on exec except the ready pipe and the <c>--preserve-fds</c> ones.
/// </remarks>
internal static class ContainerSpawner
{
    public const string HiddenCommand = "__container";

    /// <summary>How long a container process may take to report ready: it reads config.json and writes one file.</summary>
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(30);

    /// <summary>Starts the container process and returns its pid once it is ready; throws with its message if it fails.</summary>
    /// <param name="terminal">The pty slave to give the container process as its stdin, stdout and stderr; null: the caller's own.</param>
    /// <param name="network">The network namespace to start the container process in (linux.namespaces); null: ours.</param>
    public static int Start(GlobalOptions global, string id, int preserveFds, int? terminal = null, ContainerNetwork? network = null)
    {
        var argv = SelfCommand.Argv();
        var start = new ProcessStartInfo(argv[0]) { UseShellExecute = false };
        foreach (var a in argv.Skip(1)) start.ArgumentList.Add(a);
        start.ArgumentList.Add("--root");
        start.ArgumentList.Add(global.Root);
        if (global.Log is { } log)
        {
            start.ArgumentList.Add("--log");
            start.ArgumentList.Add(log);
            start.ArgumentList.Add("--log-format");
            start.ArgumentList.Add(global.LogJson ? "json" : "text");
        }

        var (process, ready) = network is null ? Spawn(start, id, preserveFds, terminal) : SpawnInNetwork(network, start, id, preserveFds, terminal);
        using (ready)
        {
            var report = ReadReport(ready);
            if (report == "ready") return process.Id;
            try { process.Kill(); } catch (InvalidOperationException) { }
            throw new OciException(report.Length > 0 ? report : $"the container process exited before it was ready{ExitText(process)}");
        }
    }

    /// <summary>
    /// <see cref="Spawn"/> from a thread of its own that has entered <paramref name="network"/> first (joined or new).
    /// </summary>
    /// <remarks>
    /// Why here and not in the container process: setns(2) moves only the calling thread, and a .NET process has threads
    /// before Main runs; the thread pool, where the network broker's loop runs, would stay outside. A process forked by a
    /// thread that has joined starts wholly inside the namespace, every thread of it, and so does everything it starts.
    /// Why a thread of its own: the namespace stays with that thread, which ends right after; create's others stay out.
    /// </remarks>
    private static (Process, AnonymousPipeServerStream) SpawnInNetwork(ContainerNetwork network, ProcessStartInfo start, string id, int preserveFds, int? terminal)
    {
        (Process, AnonymousPipeServerStream)? result = null;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                network.EnterOnThisThread();
                result = Spawn(start, id, preserveFds, terminal);
            }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
        }) { Name = "spawn in the container's network namespace" };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!.Value;
    }

    private static (Process, AnonymousPipeServerStream) Spawn(ProcessStartInfo start, string id, int preserveFds, int? terminal)
    {
        Process process;
        AnonymousPipeServerStream ready;
        lock (FdHygiene.SpawnLock)
        {
            // Every descriptor the caller left open (containerd's shim leaks a socket as fd 3) is closed on exec; the
            // ready pipe below is created after the sweep, inheritable, and --preserve-fds stay open as runc keeps them.
            FdHygiene.MarkInheritedCloseOnExec();
            for (var fd = 3; fd < 3 + preserveFds; fd++) FdHygiene.SetCloseOnExec(fd, false);
            ready = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
            start.ArgumentList.Add(HiddenCommand);
            start.ArgumentList.Add(id);
            start.ArgumentList.Add(ready.GetClientHandleAsString());
            // .NET starts a child with this process's 0, 1 and 2: for a terminal, they are the pty's slave for this one
            // spawn, and this process's own are put back right after.
            var saved = terminal is { } slave ? Stdio.Redirect(slave) : null;
            try { process = Process.Start(start) ?? throw new OciException("cannot start the container process"); }
            finally
            {
                saved?.Restore();
                ready.DisposeLocalCopyOfClientHandle();
                for (var fd = 3; fd < 3 + preserveFds; fd++) FdHygiene.SetCloseOnExec(fd, true);
            }
        }
        return (process, ready);
    }

    /// <summary>The container process's one line: "ready", or an error message; empty when it died without a word.</summary>
    private static string ReadReport(Stream pipe)
    {
        var read = Task.Run(() => new StreamReader(pipe).ReadToEnd());
        if (!read.Wait(ReadyLimit)) throw new OciException($"the container process did not report ready within {ReadyLimit.TotalSeconds} s");
        return read.Result.Trim();
    }

    private static string ExitText(Process process) =>
        process.WaitForExit(1000) ? $" (exit status {process.ExitCode})" : "";
}
