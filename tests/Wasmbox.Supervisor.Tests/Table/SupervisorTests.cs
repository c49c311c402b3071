using System.Text;
using Wasmbox.Core.Outcomes;
using Wasmbox.Core.Policy;
using Wasmbox.Supervisor.Ceilings;
using Wasmbox.Supervisor.Logs;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Supervisor.Tests.Table;

public class SupervisorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static TheoryData<string, string> Outcomes => new()
    {
        { "exit3", "exited" },
        { "trap", "trapped" },
        { "timeout", "timeout" },
        { "fuel", "timeout" },
        { "memory", "memory_limit" },
        { "setup", "failed" },
        { "killed", "killed" },
    };

    private static RunOutcome Outcome(string name) => name switch
    {
        "exit3" => RunOutcome.Exited(3),
        "trap" => RunOutcome.Trapped("UnreachableCodeReached", "wasm trap: unreachable"),
        "timeout" => RunOutcome.TimedOut(TimeSpan.FromSeconds(1)),
        "fuel" => RunOutcome.OutOfFuel(1000),
        "memory" => RunOutcome.MemoryLimit("the cgroup's OOM killer stopped it"),
        "setup" => RunOutcome.SetupFailed(SetupStage.Compile, "not a valid module"),
        "killed" => RunOutcome.Killed("killed by SIGKILL from outside"),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task Create_GuestEndsWithOutcome_RecordsFinalStateReportAndExitStatus(string outcome, string state)
    {
        await using var f = await Fixture.OpenAsync();
        var expected = Outcome(outcome);
        f.Starter.Behaviour = FakeSandbox.Ends(expected);

        var created = f.Supervisor.Create(f.Request());
        var final = await f.Supervisor.WaitAsync(created.Id, Ct).WaitAsync(Patience, Ct);

        Assert.Equal(state, final.State.Name());
        Assert.Equal(expected.ExitStatus, final.ExitStatus);
        Assert.Equal(expected.Kind.Name(), final.Report!.Outcome);
        Assert.Equal(expected.Message, final.Message);
        Assert.NotNull(final.StartedAt);
        Assert.NotNull(final.FinishedAt);
    }

    [Fact]
    public async Task Create_HangingGuest_RunningUntilKilledThenKilled()
    {
        await using var f = await Fixture.OpenAsync();

        var created = f.Supervisor.Create(f.Request("hangs"));
        Assert.Equal(SandboxState.Running, created.State);
        Assert.Equal("fake worker", created.WorkerInfo);
        Assert.Null(created.FinishedAt);

        f.Supervisor.Kill("hangs");
        var final = await f.Supervisor.WaitAsync(created.Id, Ct).WaitAsync(Patience, Ct);

        Assert.Equal(SandboxState.Killed, final.State);
        Assert.Equal(137, final.ExitStatus);
        Assert.Equal(1, f.Starter.Started[created.Id].Kills);
    }

    [Fact]
    public async Task Create_StarterThrows_RecordsFailedWithTheMessage()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = _ => throw new InvalidOperationException("bubblewrap is not installed");

        var record = f.Supervisor.Create(f.Request());

        Assert.Equal(SandboxState.Failed, record.State);
        Assert.Contains("bubblewrap is not installed", record.Message);
        Assert.Equal("setup_failed", record.Report!.Outcome);
        Assert.Equal(125, record.ExitStatus);
        Assert.Null(record.StartedAt);
    }

    [Fact]
    public async Task Create_CompletionFaults_RecordsFailed()
    {
        await using var f = await Fixture.OpenAsync();
        var created = f.Supervisor.Create(f.Request());

        f.Starter.Started[created.Id].Fault(new IOException("worker pipe closed"));
        var final = await f.Supervisor.WaitAsync(created.Id, Ct).WaitAsync(Patience, Ct);

        Assert.Equal(SandboxState.Failed, final.State);
        Assert.Contains("worker pipe closed", final.Message);
    }

    [Fact]
    public async Task Create_GuestPrints_LogsHoldBothStreamsInWriteOrderAfterTheEnd()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = r =>
        {
            var s = new FakeSandbox(r);
            s.Print("out 1\n", "err 1\n");
            s.Print("out 2\n");
            s.End(RunOutcome.Exited(0));
            return s;
        };

        var created = f.Supervisor.Create(f.Request());
        await f.Supervisor.WaitAsync(created.Id, Ct).WaitAsync(Patience, Ct);
        var chunks = f.Supervisor.Logs.Read(created.Id, LogQuery.All);

        Assert.Equal(["stdout:out 1\n", "stderr:err 1\n", "stdout:out 2\n"],
            chunks.Select(c => $"{c.Stream.Name()}:{Encoding.UTF8.GetString(c.Data)}"));
    }

    [Fact]
    public async Task Create_PassesArgsPolicyAndStdinToTheStarter()
    {
        await using var f = await Fixture.OpenAsync();
        var request = f.Request(null, "a", "b c") with { Argv0 = "tool.wasm", Stdin = [1, 2, 3] };

        var created = f.Supervisor.Create(request);
        var started = f.Starter.Started[created.Id].Request;

        Assert.Equal("tool.wasm", started.Argv0);
        Assert.Equal(["a", "b c"], started.Args);
        Assert.Equal(new byte[] { 1, 2, 3 }, started.Stdin);
        Assert.Equal(f.Sha, started.ModuleSha256);
        Assert.Equal(f.Supervisor.Modules.PathOf(f.Sha), started.ModuleFile);
        Assert.Equal(["a", "b c"], f.Supervisor.Get(created.Id).Args);
    }

    [Fact]
    public async Task Create_NameTaken_RefusedAsNameTaken()
    {
        await using var f = await Fixture.OpenAsync();
        f.Supervisor.Create(f.Request("web"));

        var e = Assert.Throws<SupervisorException>(() => f.Supervisor.Create(f.Request("web")));

        Assert.Equal(SupervisorError.NameTaken, e.Error);
        Assert.Equal(409, e.Error.HttpStatus());
        Assert.Single(f.Supervisor.List());
    }

    [Fact]
    public async Task Create_MoreThanMaxLive_RefusedAsTooManyUntilOneEnds()
    {
        await using var f = await Fixture.OpenAsync(Fixture.Options(o => o with { MaxLiveSandboxes = 2 }));
        var first = f.Supervisor.Create(f.Request());
        f.Supervisor.Create(f.Request());

        var e = Assert.Throws<SupervisorException>(() => f.Supervisor.Create(f.Request()));
        Assert.Equal(SupervisorError.TooManySandboxes, e.Error);
        Assert.Equal(429, e.Error.HttpStatus());

        f.Supervisor.Kill(first.Id);
        await f.Supervisor.WaitAsync(first.Id, Ct).WaitAsync(Patience, Ct);
        Assert.Equal(SandboxState.Running, f.Supervisor.Create(f.Request()).State);
    }

    [Fact]
    public async Task Create_AboveACeiling_RefusedAsCeilingExceededWithNothingRecorded()
    {
        await using var f = await Fixture.OpenAsync(Fixture.Options(o => o with { Ceilings = new OperatorCeilings { MaxMemoryBytes = 256L << 20 } }));
        var policy = SandboxPolicy.DenyAll with { Limits = new SandboxLimits(1L << 30, null, null) };

        var e = Assert.Throws<SupervisorException>(() => f.Supervisor.Create(new CreateSandboxRequest(f.Sha, [], policy)));

        Assert.Equal(SupervisorError.CeilingExceeded, e.Error);
        Assert.Equal(403, e.Error.HttpStatus());
        Assert.Equal("--max-memory 1GiB is above the operator's ceiling of 256MiB", e.Message);
        Assert.Empty(f.Supervisor.List());
        Assert.Empty(f.Starter.Started);
    }

    [Fact]
    public async Task Create_UnknownModule_RefusedAsModuleNotFound()
    {
        await using var f = await Fixture.OpenAsync();

        var e = Assert.Throws<SupervisorException>(() => f.Supervisor.Create(f.Request() with { ModuleSha256 = new string('0', 64) }));

        Assert.Equal(SupervisorError.ModuleNotFound, e.Error);
        Assert.Equal(404, e.Error.HttpStatus());
    }

    [Fact]
    public async Task PutModule_TooLargeOrWrongHash_RefusedAs413Or400()
    {
        await using var f = await Fixture.OpenAsync(Fixture.Options(o => o with { MaxModuleBytes = 16 }));

        var tooLarge = Assert.Throws<SupervisorException>(() => f.Supervisor.PutModule(new MemoryStream(new byte[17])));
        var mismatch = Assert.Throws<SupervisorException>(() => f.Supervisor.PutModule(new MemoryStream(Fixture.Module), new string('0', 64)));

        Assert.Equal(413, tooLarge.Error.HttpStatus());
        Assert.Equal(SupervisorError.BadRequest, mismatch.Error);
        Assert.Equal(f.Sha, f.Supervisor.PutModule(new MemoryStream(Fixture.Module), f.Sha));
    }

    [Fact]
    public async Task Create_StoredModuleCorrupted_RefusedAsModuleCorrupt()
    {
        await using var f = await Fixture.OpenAsync();
        File.WriteAllBytes(f.Supervisor.Modules.PathOf(f.Sha)!, [0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0]);

        var e = Assert.Throws<SupervisorException>(() => f.Supervisor.Create(f.Request()));

        Assert.Equal(SupervisorError.ModuleCorrupt, e.Error);
        Assert.False(f.Supervisor.Modules.Has(f.Sha));
    }

    [Theory]
    [InlineData("-starts-with-dash")]
    [InlineData("has space")]
    [InlineData("0123456789abcdef")]
    [InlineData("")]
    public async Task Create_BadName_RefusedAsBadRequest(string name)
    {
        await using var f = await Fixture.OpenAsync();

        var e = Assert.Throws<SupervisorException>(() => f.Supervisor.Create(f.Request(name)));

        Assert.Equal(SupervisorError.BadRequest, e.Error);
        Assert.Equal(400, e.Error.HttpStatus());
    }

    [Fact]
    public async Task Create_StdinInherit_RefusedAsBadRequest()
    {
        await using var f = await Fixture.OpenAsync();
        var request = f.Request() with { Policy = SandboxPolicy.DenyAll with { Stdin = new StdinSource.Inherit() } };

        var e = Assert.Throws<SupervisorException>(() => f.Supervisor.Create(request));

        Assert.Equal(SupervisorError.BadRequest, e.Error);
    }

    [Fact]
    public async Task Kill_FinishedSandbox_RefusedAsNotRunning()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = FakeSandbox.Ends(RunOutcome.Exited(0));
        var record = f.Supervisor.Create(f.Request());
        await f.Supervisor.WaitAsync(record.Id, Ct).WaitAsync(Patience, Ct);

        var e = Assert.Throws<SupervisorException>(() => f.Supervisor.Kill(record.Id));

        Assert.Equal(SupervisorError.SandboxNotRunning, e.Error);
    }

    [Fact]
    public async Task Get_UnknownIdOrName_RefusedAsNotFound()
    {
        await using var f = await Fixture.OpenAsync();

        var e = Assert.Throws<SupervisorException>(() => f.Supervisor.Get("nope"));

        Assert.Equal(SupervisorError.SandboxNotFound, e.Error);
        Assert.Equal("sandbox-not-found", e.Error.Code());
        Assert.Equal(404, e.Error.HttpStatus());
    }

    [Fact]
    public async Task Get_ByName_FindsTheRecord()
    {
        await using var f = await Fixture.OpenAsync();
        var created = f.Supervisor.Create(f.Request("api"));

        Assert.Equal(created.Id, f.Supervisor.Get("api").Id);
        Assert.Equal("api", f.Supervisor.Get(created.Id).Name);
    }

    [Fact]
    public async Task WaitAsync_Cancelled_ThrowsAndLeavesTheSandboxRunning()
    {
        await using var f = await Fixture.OpenAsync();
        var created = f.Supervisor.Create(f.Request());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => f.Supervisor.WaitAsync(created.Id, cts.Token));

        Assert.Equal(SandboxState.Running, f.Supervisor.Get(created.Id).State);
    }

    [Fact]
    public async Task WaitAsync_GuestEndsLater_ReturnsTheFinalRecord()
    {
        await using var f = await Fixture.OpenAsync();
        var created = f.Supervisor.Create(f.Request());
        var wait = f.Supervisor.WaitAsync(created.Id, Ct);
        Assert.False(wait.IsCompleted);

        f.Starter.Started[created.Id].End(RunOutcome.Exited(7));
        var final = await wait.WaitAsync(Patience, Ct);

        Assert.Equal(SandboxState.Exited, final.State);
        Assert.Equal(7, final.ExitStatus);
    }

    [Fact]
    public async Task RemoveAsync_RunningWithoutForce_RefusedAndKeptRunning()
    {
        await using var f = await Fixture.OpenAsync();
        var created = f.Supervisor.Create(f.Request());

        var e = await Assert.ThrowsAsync<SupervisorException>(() => f.Supervisor.RemoveAsync(created.Id, force: false, Ct));

        Assert.Equal(SupervisorError.SandboxRunning, e.Error);
        Assert.Equal(SandboxState.Running, f.Supervisor.Get(created.Id).State);
    }

    [Fact]
    public async Task RemoveAsync_RunningWithForce_KillsThenDeletesRecordAndLogs()
    {
        await using var f = await Fixture.OpenAsync();
        f.Starter.Behaviour = r =>
        {
            var s = new FakeSandbox(r);
            s.Print("hello\n");
            return s;
        };
        var created = f.Supervisor.Create(f.Request("doomed"));

        await f.Supervisor.RemoveAsync("doomed", force: true, Ct).WaitAsync(Patience, Ct);

        Assert.Equal(1, f.Starter.Started[created.Id].Kills);
        Assert.Empty(f.Supervisor.List());
        Assert.Empty(f.Supervisor.Logs.Read(created.Id, LogQuery.All));
        Assert.Equal(SandboxState.Running, f.Supervisor.Create(f.Request("doomed")).State);
    }

    [Fact]
    public async Task List_Filters_ByStateLabelAndName()
    {
        await using var f = await Fixture.OpenAsync();
        var running = f.Supervisor.Create(f.Request("a") with { Labels = new Dictionary<string, string> { ["team"] = "red" } });
        f.Starter.Behaviour = FakeSandbox.Ends(RunOutcome.Exited(0));
        var exited = f.Supervisor.Create(f.Request("b") with { Labels = new Dictionary<string, string> { ["team"] = "blue" } });
        await f.Supervisor.WaitAsync(exited.Id, Ct).WaitAsync(Patience, Ct);

        Assert.Equal([running.Id], f.Supervisor.List(new SandboxFilter(State: SandboxState.Running)).Select(r => r.Id));
        Assert.Equal([exited.Id], f.Supervisor.List(new SandboxFilter(Label: "team=blue")).Select(r => r.Id));
        Assert.Equal([running.Id, exited.Id], f.Supervisor.List(new SandboxFilter(Label: "team")).Select(r => r.Id));
        Assert.Equal([exited.Id], f.Supervisor.List(new SandboxFilter(Name: "b")).Select(r => r.Id));
        Assert.Empty(f.Supervisor.List(new SandboxFilter(Label: "team=green")));
    }

    [Fact]
    public async Task OpenAsync_AfterACrash_ListsEverythingMarksLiveLostKeepsFlushedLogs()
    {
        // FlushBytes 16: a 16-byte write flushes itself; a shorter one stays buffered (the timer is an hour away).
        var options = Fixture.Options(o => o with { Logs = new LogOptions { FlushBytes = 16, FlushInterval = TimeSpan.FromHours(1) } });
        await using var f = await Fixture.OpenAsync(options);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            f.Starter.Behaviour = FakeSandbox.Ends(RunOutcome.Exited(i), stdout: $"done {i}\n");
            ids.Add(f.Supervisor.Create(f.Request($"exits-{i}")).Id);
        }
        foreach (var id in ids) await f.Supervisor.WaitAsync(id, Ct).WaitAsync(Patience, Ct);
        f.Starter.Behaviour = r =>
        {
            var s = new FakeSandbox(r);
            s.Print("flushed-line-01\n"); // 16 bytes
            s.Print("late\n");            // buffered only
            return s;
        };
        var hung = Enumerable.Range(0, 3).Select(i => f.Supervisor.Create(f.Request($"hangs-{i}")).Id).ToList();

        f.Supervisor.Crash();
        f.Supervisor = await global::Wasmbox.Supervisor.Table.Supervisor.OpenAsync(f.Dir.Path, f.Starter, options);

        var all = f.Supervisor.List();
        Assert.Equal(7, all.Count);
        Assert.Equal(3, f.Supervisor.LostAtOpen);
        Assert.All(hung, id => Assert.Equal(SandboxState.Lost, f.Supervisor.Get(id).State));
        Assert.All(hung, id => Assert.Equal(global::Wasmbox.Supervisor.Table.Supervisor.LostMessage, f.Supervisor.Get(id).Message));
        Assert.All(hung, id => Assert.Equal("flushed-line-01\n",
            string.Concat(f.Supervisor.Logs.Read(id, LogQuery.All).Select(c => Encoding.UTF8.GetString(c.Data)))));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(SandboxState.Exited, f.Supervisor.Get(ids[i]).State);
            Assert.Equal(i, f.Supervisor.Get(ids[i]).ExitStatus);
            Assert.Equal($"done {i}\n", Encoding.UTF8.GetString(f.Supervisor.Logs.Read(ids[i], LogQuery.All).Single().Data));
        }
        Assert.Equal(["ok"], f.Supervisor.State.IntegrityCheck());
    }

    [Fact]
    public async Task DisposeAsync_WithRunningSandboxes_KillsThemAndRecordsKilled()
    {
        var f = await Fixture.OpenAsync();
        var id = f.Supervisor.Create(f.Request()).Id;

        await f.Supervisor.DisposeAsync();
        f.Supervisor = await global::Wasmbox.Supervisor.Table.Supervisor.OpenAsync(f.Dir.Path, f.Starter);

        Assert.Equal(0, f.Supervisor.LostAtOpen);
        Assert.Equal(SandboxState.Killed, f.Supervisor.Get(id).State);
        await f.DisposeAsync();
    }

    [Fact]
    public async Task Supervisor_ManyConcurrentCreatesAndKills_EveryRecordFinalAndConsistent()
    {
        await using var f = await Fixture.OpenAsync(Fixture.Options(o => o with { MaxLiveSandboxes = 1000 }));
        const int n = 200;
        f.Starter.Behaviour = r =>
        {
            var s = new FakeSandbox(r);
            s.Print($"hi from {r.Id}\n");
            // Every third guest ends by itself, on another thread, racing the kills.
            if (int.Parse(r.Args[0], System.Globalization.CultureInfo.InvariantCulture) % 3 == 0) _ = Task.Run(() => s.End(RunOutcome.Exited(0)));
            return s;
        };

        var ids = new string[n];
        await Parallel.ForAsync(0, n, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            ids[i] = f.Supervisor.Create(f.Request(null, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).Id;
            try { f.Supervisor.Kill(ids[i]); }
            catch (SupervisorException e) when (e.Error == SupervisorError.SandboxNotRunning) { }
            await f.Supervisor.WaitAsync(ids[i], ct);
        });

        var all = f.Supervisor.List();
        Assert.Equal(n, all.Count);
        Assert.Equal(n, ids.Distinct().Count());
        Assert.All(all, r => Assert.Contains(r.State, new[] { SandboxState.Killed, SandboxState.Exited }));
        Assert.All(all, r => Assert.Equal($"hi from {r.Id}\n", Encoding.UTF8.GetString(f.Supervisor.Logs.Read(r.Id, LogQuery.All).Single().Data)));
        Assert.Equal(["ok"], f.Supervisor.State.IntegrityCheck());
    }
}
