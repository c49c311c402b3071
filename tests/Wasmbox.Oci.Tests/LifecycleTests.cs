namespace Wasmbox.Oci.Tests;

/// <summary>create → start → exit → delete, the way conmon and containerd's shim drive it, and the pid rule.</summary>
public sealed partial class LifecycleTests
{
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public void Lifecycle_SpinningGuest_CreatedRunningStoppedDeleted()
    {
        Jail.Require();
        using var bundle = new TestBundle("/spin.wasm").WithGuest("spin");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "c1");

        var created = oci.State("c1");
        Assert.Equal("created", created.GetProperty("status").GetString());
        Assert.Equal(pid, created.GetProperty("pid").GetInt32());
        Assert.Equal("c1", created.GetProperty("id").GetString());
        Assert.Equal(bundle.Path, created.GetProperty("bundle").GetString());
        Assert.StartsWith("1.", created.GetProperty("ociVersion").GetString());
        Assert.Empty(oci.GuestStdout("c1"));

        var start = oci.Ok("start", "c1");
        Assert.Equal("", start.Stdout + start.Stderr);
        Assert.Equal("running", oci.State("c1").GetProperty("status").GetString());
        Assert.NotEqual(0, oci.Run(["start", "c1"]).ExitCode);
        oci.WaitForOutput("c1", "spinning");

        oci.Ok("kill", "c1", "TERM");
        Assert.Equal(143, OciRuntime.WaitExit(pid, ExitLimit));
        var stopped = oci.State("c1");
        Assert.Equal("stopped", stopped.GetProperty("status").GetString());
        Assert.Equal(0, stopped.GetProperty("pid").GetInt32());

        oci.Ok("delete", "c1");
        var gone = oci.Run(["state", "c1"]);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("container c1 does not exist", gone.Stderr);
    }

    [Fact]
    public void PidFile_ExitCodeGuest_IsOurDescendantAndExitsWithTheGuestsCode()
    {
        Jail.Require();
        using var bundle = new TestBundle("/exit_code.wasm", "7").WithGuest("exit_code");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "c7");
        // Reparented to us, the subreaper, once create returned: the pid file names a real process below the caller.
        Assert.Equal(Environment.ProcessId, ParentOf(pid));
        oci.Ok("start", "c7");
        Assert.Equal(7, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Equal("stopped", oci.State("c7").GetProperty("status").GetString());
        oci.Ok("delete", "c7");
    }

    /// <summary>process.terminal: the pty's master arrives on the console socket (as podman's conmon and containerd's shim
    /// receive it), and the guest's output comes out of it.</summary>
    [Fact]
    public async Task Terminal_TheConsoleSocketGetsThePtyMaster_AndTheGuestsOutputComesOutOfIt()
    {
        Jail.Require();
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Process["terminal"] = true;
        bundle.Process["consoleSize"] = new System.Text.Json.Nodes.JsonObject { ["height"] = 40, ["width"] = 132 };
        using var oci = new OciRuntime();
        var path = oci.File("console.sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        listener.Listen(1);

        var pidFile = oci.File("tty.pid");
        var created = oci.Run(["create", "--bundle", bundle.Save(), "--console-socket", path, "--pid-file", pidFile, "tty"], "tty");
        Assert.True(created.ExitCode == 0, created.Stderr);
        using var connection = listener.Accept();
        var buffer = new byte[256];
        Assert.Equal(0, Wasmbox.Core.Net.Interop.UnixRights.Receive((int)connection.SafeHandle.DangerousGetHandle(), buffer, out var length, out var master, out _));
        Assert.True(master >= 0, "no descriptor came with the console socket's message");
        Assert.StartsWith("/dev/pts/", System.Text.Encoding.UTF8.GetString(buffer, 0, length));
        Assert.Equal((40, 132), WindowSize(master)); // process.consoleSize, set before the engine got the master
        Assert.Equal("", oci.GuestStdout("tty")); // the guest writes to the terminal, not to create's stdout

        using var terminal = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(master, ownsHandle: true), FileAccess.Read, 1);
        var pid = int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);
        oci.Ok("start", "tty");
        var text = new System.Text.StringBuilder();
        var read = Task.Run(() =>
        {
            var chunk = new byte[4096];
            int n;
            try { while ((n = terminal.Read(chunk)) > 0) text.Append(System.Text.Encoding.UTF8.GetString(chunk, 0, n)); }
            catch (IOException) { } // EIO once the last slave is closed
        }, TestContext.Current.CancellationToken);
        Assert.Equal(0, OciRuntime.WaitExit(pid, ExitLimit));
        await read.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Contains("hello", text.ToString(), StringComparison.OrdinalIgnoreCase);
        oci.Ok("delete", "tty");
    }

    /// <summary>The terminal's rows and columns (TIOCGWINSZ).</summary>
    private static unsafe (int Rows, int Columns) WindowSize(int fd)
    {
        var size = stackalloc ushort[4];
        Assert.Equal(0, ioctl(fd, 0x5413, size));
        return (size[0], size[1]);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int ioctl(int fd, ulong request, void* argument);

    [Fact]
    public void Start_HelloGuest_WritesTheGuestsOutputToTheContainersStdout()
    {
        Jail.Require();
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "hello");
        oci.Ok("start", "hello");
        Assert.Equal(0, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Equal("hello from wasmbox\n", oci.GuestStdout("hello"));
    }

    [Fact]
    public void Start_ArgsAndEnv_Argv0StaysAsWrittenAndOnlyProcessEnvReachesTheGuest()
    {
        Jail.Require();
        using var bundle = new TestBundle("/args_env.wasm", "one", "two words").WithGuest("args_env");
        bundle.Process["env"] = new System.Text.Json.Nodes.JsonArray("GREETING=hi", "EMPTY=");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "args");
        oci.Ok("start", "args");
        Assert.Equal(0, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Equal("argc=3\nargv[0]=/args_env.wasm\nargv[1]=one\nargv[2]=two words\nenv:GREETING=hi\nenv:EMPTY=\n", oci.GuestStdout("args"));
    }

    [Fact]
    public void Start_ReadOnlyBindMount_GuestReadsItButCannotWriteIt()
    {
        Jail.Require();
        using var data = new TempDir("wasmbox-oci-data");
        data.Write("in.txt", "from the host");
        using var bundle = new TestBundle("/files.wasm", "read", "/data/in.txt").WithGuest("files");
        bundle.Mount("/data", data.Path, "bind", "rbind", "ro");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "ro");
        oci.Ok("start", "ro");
        Assert.Equal(0, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Contains("from the host", oci.GuestStdout("ro"));

        using var writer = new TestBundle("/files.wasm", "write", "/data/new.txt", "x").WithGuest("files");
        writer.Mount("/data", data.Path, "bind", "rbind", "ro");
        var wpid = oci.Create(writer.Save(), "rw");
        oci.Ok("start", "rw");
        Assert.Equal(1, OciRuntime.WaitExit(wpid, ExitLimit));
        Assert.False(File.Exists(data.File("new.txt")));
    }

    [Fact]
    public void Start_TrappingGuest_ExitsWithTheTrapStatusAndSaysWhyInTheLog()
    {
        Jail.Require();
        using var bundle = new TestBundle("/trap.wasm").WithGuest("trap");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "trap");
        oci.Ok("start", "trap");
        Assert.Equal(134, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Contains(oci.LogLines(), l => l.GetProperty("level").GetString() == "error");
    }

    [Fact]
    public void Start_TraceAnnotation_TracesWasiCallsOnTheGuestsStderr()
    {
        Jail.Require();
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello").Annotate("io.wasmbox.trace", "true");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "traced");
        oci.Ok("start", "traced");
        Assert.Equal(0, OciRuntime.WaitExit(pid, ExitLimit));
        Assert.Equal("hello from wasmbox\n", oci.GuestStdout("traced"));
        Assert.Contains("fd_write", File.ReadAllText(oci.File("traced.err")));
    }

    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
