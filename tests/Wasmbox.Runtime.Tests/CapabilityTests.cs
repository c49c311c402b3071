using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;

namespace Wasmbox.Runtime.Tests;

/// <summary>Deny by default: each test tries to reach something not granted and checks both the refusal and the host.</summary>
public class CapabilityTests
{
    private static SandboxPolicy WithDirs(params DirGrant[] dirs) => SandboxPolicy.DenyAll with { Dirs = dirs };

    [Fact]
    public void Env_NothingGranted_GuestSeesNoVariables()
    {
        Assert.NotNull(Environment.GetEnvironmentVariable("PATH"));
        var run = GuestRun.Of(Guests.C("args_env"));
        Assert.DoesNotContain("env:", run.Stdout);
    }

    [Fact]
    public void Env_Granted_GuestSeesExactlyThose()
    {
        var policy = SandboxPolicy.DenyAll with { Env = [new("A", "1"), new("EMPTY", "")] };
        var run = GuestRun.Of(Guests.C("args_env"), policy);
        Assert.Equal(["env:A=1", "env:EMPTY="], run.Stdout.Split('\n').Where(l => l.StartsWith("env:")));
    }

    [Fact]
    public void Files_ReadAndWriteInGrantedDir_ReachTheHost()
    {
        using var tmp = new TempDir();
        var data = tmp.Dir("data");
        File.WriteAllText(Path.Combine(data, "in.txt"), "from host");
        var policy = WithDirs(new DirGrant(data, "/data", ReadOnly: false));

        Assert.Equal("from host", GuestRun.Of(Guests.C("files"), policy, args: ["read", "/data/in.txt"]).Stdout);
        var write = GuestRun.Of(Guests.C("files"), policy, args: ["write", "/data/out.txt", "from guest"]);
        Assert.Equal("ok\n", write.Stdout);
        Assert.Equal("from guest", File.ReadAllText(Path.Combine(data, "out.txt")));
    }

    public static TheoryData<string[]> MutationsOfReadOnlyDir => new()
    {
        new[] { "write", "/ro/in.txt", "overwritten" },
        new[] { "write", "/ro/new.txt", "created" },
        new[] { "append", "/ro/in.txt", "more" },
        new[] { "rm", "/ro/in.txt" },
        new[] { "mkdir", "/ro/sub" },
        new[] { "rmdir", "/ro/keep" },
        new[] { "rename", "/ro/in.txt", "/ro/moved.txt" },
        new[] { "rename", "/ro/in.txt", "/rw/stolen.txt" },
        new[] { "rename", "/rw/planted.txt", "/ro/planted.txt" },
    };

    [Theory]
    [MemberData(nameof(MutationsOfReadOnlyDir))]
    public void Files_MutationInReadOnlyDir_IsRefusedAndHostUnchanged(string[] args)
    {
        using var tmp = new TempDir();
        var ro = tmp.Dir("ro");
        var rw = tmp.Dir("rw");
        File.WriteAllText(Path.Combine(ro, "in.txt"), "original");
        Directory.CreateDirectory(Path.Combine(ro, "keep"));
        File.WriteAllText(Path.Combine(rw, "planted.txt"), "guest data");
        var before = HostSnapshot.Of(tmp.Path);

        var run = GuestRun.Of(Guests.C("files"),
            WithDirs(new DirGrant(ro, "/ro", ReadOnly: true), new DirGrant(rw, "/rw", ReadOnly: false)), args: args);

        Assert.Equal(OutcomeKind.Exited, run.Outcome.Kind);
        Assert.Equal(1, run.Outcome.GuestExitCode);
        Assert.StartsWith("error:", run.Stdout);
        Assert.Empty(HostSnapshot.Of(tmp.Path).DiffFrom(before));
    }

    [Fact]
    public void Files_ReadOnlyDir_StillReadable()
    {
        using var tmp = new TempDir();
        var ro = tmp.Dir("ro");
        File.WriteAllText(Path.Combine(ro, "in.txt"), "readable");
        var run = GuestRun.Of(Guests.C("files"), WithDirs(new DirGrant(ro, "/ro", ReadOnly: true)), args: ["read", "/ro/in.txt"]);
        Assert.Equal("readable", run.Stdout);
    }

    [Theory]
    [InlineData("read", "/etc/passwd")]
    [InlineData("read", "/data/../outside.txt")]
    [InlineData("read", "/data/../../../../etc/passwd")]
    [InlineData("read", "/data/link-out/outside.txt")]
    [InlineData("read", "/data/file-link")]
    [InlineData("write", "/data/../outside.txt")]
    [InlineData("write", "/data/link-out/outside.txt")]
    [InlineData("ls", "/")]
    public void Files_PathOutsideEveryGrant_IsRefusedAndHostUnchanged(string op, string path)
    {
        using var tmp = new TempDir();
        var data = tmp.Dir("data");
        File.WriteAllText(tmp.File("outside.txt"), "secret");
        // Symlinks planted by the host that point out of the grant: following them must be refused.
        File.CreateSymbolicLink(Path.Combine(data, "link-out"), tmp.Path);
        File.CreateSymbolicLink(Path.Combine(data, "file-link"), tmp.File("outside.txt"));
        var before = HostSnapshot.Of(tmp.Path);

        var args = op == "write" ? new[] { op, path, "pwned" } : [op, path];
        var run = GuestRun.Of(Guests.C("files"), WithDirs(new DirGrant(data, "/data", ReadOnly: false)), args: args);

        Assert.Equal(1, run.Outcome.GuestExitCode);
        Assert.StartsWith("error:", run.Stdout);
        Assert.DoesNotContain("secret", run.Stdout);
        Assert.Empty(HostSnapshot.Of(tmp.Path).DiffFrom(before));
    }

    [Fact]
    public void Stdin_None_ReadsEndOfFile()
    {
        var run = GuestRun.Of(Guests.C("cat_stdin"), SandboxPolicy.DenyAll with { Stdin = new StdinSource.None() });
        Assert.Equal(OutcomeKind.Exited, run.Outcome.Kind);
        Assert.Equal("", run.Stdout);
        Assert.Equal("\n<0 bytes>", run.Stderr);
    }

    [Fact]
    public void Stdin_File_IsWhatTheGuestReads()
    {
        using var tmp = new TempDir();
        var input = tmp.Write("in.txt", "line one\nline two\n");
        var run = GuestRun.Of(Guests.C("cat_stdin"), SandboxPolicy.DenyAll with { Stdin = new StdinSource.FromFile(input) });
        Assert.Equal("line one\nline two\n", run.Stdout);
        Assert.Equal("\n<18 bytes>", run.Stderr);
    }
}
