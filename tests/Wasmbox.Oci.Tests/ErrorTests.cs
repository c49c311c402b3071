namespace Wasmbox.Oci.Tests;

/// <summary>Refusals: one line on stderr for podman, a JSON line in --log for containerd, and no state left behind.</summary>
public sealed class ErrorTests
{
    [Fact]
    public void Create_ModuleMissingFromRootfs_FailsWithJsonLogLineAndLeavesNoState()
    {
        using var bundle = new TestBundle("/app.wasm").Annotate("run.oci.handler", "wasm");
        using var oci = new OciRuntime();
        var r = oci.Run(["create", "--bundle", bundle.Save(), "--pid-file", oci.File("p.pid"), "missing"]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("wasmbox: module /app.wasm not found in the rootfs", r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var last = oci.LogLines()[^1];
        Assert.Equal("error", last.GetProperty("level").GetString());
        Assert.StartsWith("module /app.wasm not found in the rootfs", last.GetProperty("msg").GetString());
        // Written as Go's time.Time.UnmarshalJSON reads it (raw bytes, RFC 3339): containerd's shim drops a line it cannot parse.
        Assert.Matches(@"^""time"":""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z""$", File.ReadAllLines(oci.LogFile)[^1].Split(',')[^1].TrimEnd('}'));
        Assert.False(File.Exists(oci.File("p.pid")));
        Assert.Equal(1, oci.Run(["state", "missing"]).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(oci.Root, "wasmbox@oci", "containers", "missing")));
    }

    [Fact]
    public void Create_Hooks_RefusedWithAClearMessage()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Config["hooks"] = System.Text.Json.Nodes.JsonNode.Parse("""{"prestart":[{"path":"/bin/true"}]}""");
        using var oci = new OciRuntime();
        var r = oci.Run(["create", "--bundle", bundle.Save(), "hooked"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("config.json hooks: OCI hooks are not run by wasmbox-oci", r.Stderr);
        Assert.Equal(1, oci.Run(["state", "hooked"]).ExitCode);
    }

    [Fact]
    public void Create_TerminalWithoutAConsoleSocket_RefusedWithAClearMessage()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Process["terminal"] = true;
        using var oci = new OciRuntime();
        var r = oci.Run(["create", "--bundle", bundle.Save(), "tty"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("process.terminal is true, but no --console-socket", r.Stderr);
        Assert.Equal(1, oci.Run(["state", "tty"]).ExitCode);
    }

    [Fact]
    public void Create_ConsoleSocketNobodyListensOn_RefusedAndLeavesNoState()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Process["terminal"] = true;
        using var oci = new OciRuntime();
        var r = oci.Run(["create", "--bundle", bundle.Save(), "--console-socket", oci.File("nobody.sock"), "tty"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("cannot connect to the console socket", r.Stderr);
        Assert.Equal(1, oci.Run(["state", "tty"]).ExitCode);
    }

    [Fact]
    public void Create_BadFuelAnnotation_RefusedWithThePolicyFilesMessage()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello").Annotate("io.wasmbox.fuel", "lots");
        using var oci = new OciRuntime();
        var r = oci.Run(["create", "--bundle", bundle.Save(), "fuel"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("annotation io.wasmbox.fuel: fuel: 'lots' is not a fuel budget", r.Stderr);
    }

    [Fact]
    public void Create_IgnoredFields_AreWrittenToTheLog()
    {
        Jail.Require();
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Process["rlimits"] = System.Text.Json.Nodes.JsonNode.Parse("""[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]""");
        bundle.Config["somethingNew"] = 1;
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "noted");
        var messages = oci.LogLines().Where(l => l.GetProperty("level").GetString() == "warning").Select(l => l.GetProperty("msg").GetString()).ToList();
        Assert.Contains(messages, m => m!.StartsWith("config.json process.rlimits is ignored", StringComparison.Ordinal));
        Assert.Contains(messages, m => m == "config.json somethingNew is not known to wasmbox-oci and is ignored");
        oci.Ok("delete", "--force", "noted");
        Assert.Equal(143, OciRuntime.WaitExit(pid, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Create_SameIdTwice_SecondFails()
    {
        Jail.Require();
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        using var oci = new OciRuntime();
        var pid = oci.Create(bundle.Save(), "dup");
        var r = oci.Run(["create", "--bundle", bundle.Path, "dup"], "dup2");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("container dup already exists", r.Stderr);
        Assert.Equal("created", oci.State("dup").GetProperty("status").GetString());
        oci.Ok("delete", "--force", "dup");
        Assert.Equal(143, OciRuntime.WaitExit(pid, TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void State_IdWithPathCharacters_Refused(string id)
    {
        using var oci = new OciRuntime();
        var r = oci.Run(["state", id]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("invalid container id", r.Stderr);
    }

    [Fact]
    public void UnknownCommandAndFlag_Refused()
    {
        using var oci = new OciRuntime();
        Assert.Contains("unknown command 'frobnicate'", oci.Run(["frobnicate"]).Stderr);
        Assert.Contains("unknown flag --nope", oci.Run(["delete", "--nope", "x"]).Stderr);
    }
}
