using System.Text.Json.Nodes;
using Wasmbox.Core.Policy;
using Wasmbox.Oci.Bundle;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Tests;

/// <summary>Bundle → <see cref="SandboxPolicy"/>, on hand-written bundles, without running anything.</summary>
public sealed class PolicyMappingTests
{
    private static ContainerPlan Map(TestBundle bundle) => PolicyMapping.Map(BundleReader.Read(bundle.Save()));

    [Fact]
    public void Map_MinimalBundle_RootfsIsGuestRootAndArgv0StaysAsWritten()
    {
        using var bundle = new TestBundle("/hello.wasm", "a", "b").WithGuest("hello");
        var plan = Map(bundle);
        Assert.Equal("/hello.wasm", plan.Argv0);
        Assert.Equal(["a", "b"], plan.Args);
        Assert.Equal(Path.Combine(bundle.Rootfs, "hello.wasm"), plan.ModuleFile);
        var root = Assert.Single(plan.Policy.Dirs);
        Assert.Equal((bundle.Rootfs, "/", false), (root.HostPath, root.GuestPath, root.ReadOnly));
        Assert.Equal([new("PATH", "/usr/bin:/bin")], plan.Policy.Env);
        Assert.IsType<StdinSource.Inherit>(plan.Policy.Stdin);
        Assert.False(plan.Trace);
    }

    [Fact]
    public void Map_ReadonlyRootAndBindMounts_BecomeGrantsAtTheirDestinations()
    {
        using var ro = new TempDir();
        using var rw = new TempDir();
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Config["root"]!["readonly"] = true;
        bundle.Mount("/proc", "proc", "proc")
            .Mount("/dev/shm", "shm", "tmpfs")
            .Mount("/etc/hosts", "/etc/hosts", "bind", "rbind", "ro")
            .Mount("/config", ro.Path, "bind", "rbind", "ro")
            .Mount("/work/", rw.Path, "none", "rbind", "rw")
            .Mount("/run/file", ro.Write("f.txt", "x"), "bind", "bind");
        var plan = Map(bundle);
        Assert.Equal(
            [(bundle.Rootfs, "/", true), (ro.Path, "/config", true), (rw.Path, "/work", false)],
            plan.Policy.Dirs.Select(d => (d.HostPath, d.GuestPath, d.ReadOnly)));
        Assert.Contains(plan.Notes, n => n.Level == NoteLevel.Covered && n.Message.Contains("mounts /proc"));
        Assert.Contains(plan.Notes, n => n.Message.Contains("mounts /etc/hosts is not granted"));
        Assert.Contains(plan.Notes, n => n.Level == NoteLevel.Ignored && n.Message.Contains("/run/file") && n.Message.Contains("directories only"));
    }

    [Fact]
    public void Map_MissingBindSource_Refused()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Mount("/data", "/nonexistent/wasmbox-oci-test", "bind", "rbind");
        var e = Assert.Throws<OciException>(() => Map(bundle));
        Assert.Contains("the source /nonexistent/wasmbox-oci-test does not exist", e.Message);
    }

    [Fact]
    public void Map_Resources_BecomeMaxMemoryAndCpus()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Config["linux"] = JsonNode.Parse("""{"resources":{"memory":{"limit":67108864,"swap":134217728},"cpu":{"quota":50000,"period":100000,"shares":2},"pids":{"limit":2048}}}""");
        var plan = Map(bundle);
        Assert.Equal(64L << 20, plan.Policy.Limits.MaxMemoryBytes);
        Assert.Equal(0.5, plan.Policy.Limits.Cpus);
        Assert.Contains(plan.Notes, n => n.Message.StartsWith("config.json linux.resources.memory.swap is ignored", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.Message.StartsWith("config.json linux.resources.cpu.shares is ignored", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.Level == NoteLevel.Covered && n.Message.Contains("pids.limit 2048"));
    }

    [Fact]
    public void Map_WasmboxAnnotations_BecomeLimitsAndTrace()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello")
            .Annotate("io.wasmbox.fuel", "1000000").Annotate("io.wasmbox.timeout", "5s").Annotate("io.wasmbox.max-output", "1MiB")
            .Annotate("io.wasmbox.deterministic", "true").Annotate("io.wasmbox.trace", "true").Annotate("io.wasmbox.isolation", "process");
        var plan = Map(bundle);
        Assert.Equal(1_000_000UL, plan.Policy.Limits.Fuel);
        Assert.Equal(TimeSpan.FromSeconds(5), plan.Policy.Limits.Timeout);
        Assert.Equal(1L << 20, plan.Policy.Limits.MaxOutputBytes);
        Assert.Equal(0UL, plan.Policy.DeterministicSeed);
        Assert.Equal(IsolationTier.Process, plan.Policy.Isolation);
        Assert.True(plan.Trace);
    }

    [Theory]
    [InlineData("io.wasmbox.fuel", "0", "annotation io.wasmbox.fuel: fuel '0': must be more than 0")]
    [InlineData("io.wasmbox.timeout", "soon", "annotation io.wasmbox.timeout: timeout:")]
    [InlineData("io.wasmbox.max-output", "10MB", "annotation io.wasmbox.max-output: max-output:")]
    [InlineData("io.wasmbox.frobs", "1", "unknown setting 'frobs'")]
    [InlineData("io.wasmbox.dir", "/etc::/etc", "annotation io.wasmbox.dir is not accepted: bind-mount the folder instead")]
    [InlineData("io.wasmbox.isolation", "none", "must be killable")]
    [InlineData("io.wasmbox.trace", "yes", "'yes' is not true or false")]
    public void Map_BadWasmboxAnnotation_RefusedWithThePolicyMessage(string key, string value, string message)
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello").Annotate(key, value);
        var e = Assert.Throws<OciException>(() => Map(bundle));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Map_SameMessagesAsAPolicyFile()
    {
        // The annotation's message is the policy file's, with the annotation named where the file would be.
        var file = Assert.Throws<PolicyException>(() => PolicyFile.Parse("fuel = \"lots\"", "policy.toml", "/").Build(_ => null, new StdinSource.None()));
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello").Annotate("io.wasmbox.fuel", "lots");
        var annotation = Assert.Throws<OciException>(() => Map(bundle));
        Assert.Equal(file.Message.Replace("policy.toml", "annotation io.wasmbox.fuel"), annotation.Message);
    }

    [Fact]
    public void Map_UnknownAndIgnoredFields_AreNamedInNotes()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Process["capabilities"] = JsonNode.Parse("""{"bounding":["CAP_CHOWN"]}""");
        bundle.Process["oomScoreAdj"] = 100;
        bundle.Process["cwd"] = "/srv";
        bundle.Config["linux"] = JsonNode.Parse("""{"cgroupsPath":"/k8s.io/x","namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"},{"type":"ipc","path":"/proc/1/ns/ipc"}],"futureThing":{}}""");
        var notes = Map(bundle).Notes;
        Assert.Contains(notes, n => n.Level == NoteLevel.Covered && n.Message.StartsWith("config.json process.capabilities", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Level == NoteLevel.Ignored && n.Message.StartsWith("config.json process.oomScoreAdj is ignored", StringComparison.Ordinal));
        // linux.cgroupsPath is applied (the container process makes or joins it), so it is no note.
        Assert.DoesNotContain(notes, n => n.Message.Contains("cgroupsPath", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Level == NoteLevel.Ignored && n.Message.Contains("process.cwd '/srv'"));
        // The network namespace given by path is joined (NamespaceTests); the others are named as not joined, with the reason.
        Assert.Contains(notes, n => n.Level == NoteLevel.Covered && n.Message.Contains("network namespace /proc/1/ns/net is joined"));
        Assert.Contains(notes, n => n.Level == NoteLevel.Ignored && n.Message == "linux.namespaces: the ipc namespace /proc/1/ns/ipc is not joined: WASI preview1 has no System V IPC, POSIX message queues or shared memory");
        Assert.Contains(notes, n => n.Message == "config.json linux.futureThing is not known to wasmbox-oci and is ignored");
    }

    [Fact]
    public void Map_EnvWithoutValue_Refused()
    {
        using var bundle = new TestBundle("/hello.wasm").WithGuest("hello");
        bundle.Process["env"] = new JsonArray("HOME");
        Assert.Contains("process.env 'HOME': write NAME=VALUE", Assert.Throws<OciException>(() => Map(bundle)).Message);
    }

    [Fact]
    public void Map_ModuleSymlinkOutOfTheRootfs_StaysInsideIt()
    {
        using var bundle = new TestBundle("/app.wasm").Annotate("run.oci.handler", "wasm");
        using var outside = new TempDir();
        var hostModule = outside.Write("host.wasm", "\0asm");
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "app.wasm"), hostModule);
        var e = Assert.Throws<OciException>(() => Map(bundle));
        Assert.Contains("module /app.wasm not found in the rootfs", e.Message);

        File.Delete(Path.Combine(bundle.Rootfs, "app.wasm"));
        File.Copy(Guests.C("hello"), Path.Combine(bundle.Rootfs, "real.wasm"));
        File.CreateSymbolicLink(Path.Combine(bundle.Rootfs, "app.wasm"), "../../../../real.wasm");
        Assert.Equal(Path.Combine(bundle.Rootfs, "real.wasm"), Map(bundle).ModuleFile);
    }
}
