using Wasmbox.Core.Outcomes;
using Wasmbox.Runtime.Wasi;

namespace Wasmbox.Runtime.Tests.Wasi;

/// <summary>
/// The p1_* guests of tests/guests/conformance, each checking one behaviour of the spec from inside the guest (exit 0,
/// or a FAIL line per broken expectation and exit 1). Every guest must pass under Wasmbox's host; under Wasmtime's
/// built-in WASI it must pass too, unless <see cref="Reference"/> lists what Wasmtime does instead and why
/// (docs/wasi-deviations.md, or a gap in Wasmtime).
/// </summary>
public class ConformanceTests
{
    /// <summary>What Wasmtime's built-in WASI does with a guest it does not pass, and why.</summary>
    public sealed record Deviation(OutcomeKind Kind, int ExitStatus, string StdoutContains, string Why);

    /// <summary>Every conformance guest, with Wasmtime's deviation (null: Wasmtime passes it too, same output).</summary>
    public static readonly IReadOnlyDictionary<string, Deviation?> Reference = new Dictionary<string, Deviation?>
    {
        ["p1_args_environ"] = null,
        ["p1_bad_pointer_trap"] = null,
        ["p1_invalid_enums"] = new(OutcomeKind.Trapped, 134, "Invalid enum value Clockid", "docs/wasi-deviations.md: Wasmtime traps on an enum value outside the witx; Wasmbox returns EINVAL"),
        ["p1_path_bytes"] = null,
        ["p1_short_buffers"] = null,
        ["p1_clocks"] = null,
        ["p1_fd_advise_allocate"] = new(OutcomeKind.Exited, 1, "fd_allocate(fd, 0, 4096) = errno 58", "docs/wasi-deviations.md: Wasmtime answers fd_allocate with ENOTSUP; Wasmbox grows the file (posix_fallocate)"),
        ["p1_fd_fdstat_append"] = null,
        ["p1_fd_fdstat_rights"] = new(OutcomeKind.Exited, 1, "fd_fdstat_set_rights(fd, without_read, st.fs_rights_inheriting) = errno 58", "docs/wasi-deviations.md: Wasmtime answers fd_fdstat_set_rights with ENOTSUP; Wasmbox keeps per-fd rights and lets a guest drop them"),
        ["p1_fd_filestat_set"] = null,
        ["p1_fd_pread_pwrite"] = null,
        ["p1_fd_readdir"] = null,
        ["p1_fd_renumber"] = null,
        ["p1_fd_seek_tell"] = null,
        ["p1_fd_sync"] = null,
        ["p1_path_filestat_times"] = null,
        ["p1_path_link"] = null,
        ["p1_path_open_flags"] = null,
        ["p1_path_remove_directory"] = null,
        ["p1_path_rename"] = null,
        ["p1_path_symlink_readlink"] = null,
        ["p1_poll_oneoff_clock"] = null,
        ["p1_proc_raise"] = new(OutcomeKind.Exited, 1, "p1_proc_raise(16 ) = errno 58", "docs/wasi-deviations.md: Wasmtime answers proc_raise with ENOTSUP; Wasmbox applies the default action (SIGCHLD: ignored)"),
        ["p1_sched_random"] = null,
        ["p1_sock_nonsock"] = null,
    };

    /// <summary>Guests whose expected end is a trap (under both hosts), with the exact stdout before it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Traps = new Dictionary<string, string>
    {
        ["p1_bad_pointer_trap"] = "before\n",
    };

    public static TheoryData<string> Names => new(Reference.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Names))]
    public void Guest_UnderWasmbox_ExitsZero(string guest)
    {
        using var world = new ConformanceWorld();
        var before = world.SnapshotOutsideRw();
        var run = world.Run(WasmboxWasi.Instance, guest);
        AssertPassedOrTrapped(run, guest);
        Assert.Empty(world.SnapshotOutsideRw().DiffFrom(before));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Guest_UnderWasmtime_SameOrDocumentedDeviation(string guest)
    {
        using var world = new ConformanceWorld();
        var run = world.Run(WasmtimeBuiltinWasi.Instance, guest);
        if (Reference[guest] is not { } deviation)
        {
            AssertPassedOrTrapped(run, guest);
            return;
        }
        Assert.True(run.Outcome.Kind == deviation.Kind && run.Outcome.ExitStatus == deviation.ExitStatus,
            $"expected Wasmtime to end {deviation.Kind.Name()} {deviation.ExitStatus} ({deviation.Why}), got {Describe(run)}");
        Assert.Contains(deviation.StdoutContains, run.Stdout + run.Outcome.Message, StringComparison.Ordinal);
    }

    /// <summary>foreach_p1!(assert_test_exists): a guest in the folder without a row here is a test that never runs.</summary>
    [Fact]
    public void EveryConformanceGuest_HasARow()
    {
        var missing = ConformanceWorld.AllGuests("p1_").Except(Reference.Keys).ToList();
        var stale = Reference.Keys.Except(ConformanceWorld.AllGuests("p1_")).ToList();
        Assert.True(missing.Count == 0, "conformance guests without a test row: " + string.Join(", ", missing));
        Assert.True(stale.Count == 0, "rows without a guest: " + string.Join(", ", stale));
    }

    private static void AssertPassedOrTrapped(GuestRun run, string guest)
    {
        if (!Traps.TryGetValue(guest, out var stdout))
        {
            AssertPassed(run);
            return;
        }
        Assert.True(run.Outcome.Kind == OutcomeKind.Trapped, Describe(run));
        Assert.Equal(stdout, run.Stdout);
    }

    internal static void AssertPassed(GuestRun run) =>
        Assert.True(run.Outcome.Kind == OutcomeKind.Exited && run.Outcome.GuestExitCode == 0, Describe(run));

    internal static string Describe(GuestRun run) =>
        $"{run.Outcome.Kind.Name()} {run.Outcome.ExitStatus}: {run.Outcome.Message}\nstdout:\n{run.Stdout}\nstderr:\n{run.Stderr}";
}
