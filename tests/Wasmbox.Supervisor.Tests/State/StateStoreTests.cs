using Microsoft.Data.Sqlite;
using Wasmbox.Core.Policy;
using Wasmbox.Supervisor.State;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Supervisor.Tests.State;

public class StateStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SandboxRecord Record(string id, string? name = null) => new(
        id, name, new Dictionary<string, string> { ["k"] = "v" }, new string('a', 64), "/m.wasm", "m.wasm", ["x"],
        SandboxPolicy.DenyAll, SandboxState.Created, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), null, null, null, null, null, null);

    [Fact]
    public void Open_NewFile_UsesWalAndTheKnownSchemaVersion()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.File("state.db"));

        Assert.Equal(StateStore.KnownSchemaVersion, store.SchemaVersion);
        Assert.True(File.Exists(dir.File("state.db-wal")));
        Assert.Equal(["ok"], store.IntegrityCheck());
    }

    [Fact]
    public void Open_NewerSchema_RefusedNamingBothVersions()
    {
        using var dir = new TempDir();
        using (var db = new SqliteConnection($"Data Source={dir.File("state.db")};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"PRAGMA user_version = {StateStore.KnownSchemaVersion + 1}";
            cmd.ExecuteNonQuery();
        }

        var e = Assert.Throws<StateStoreException>(() => StateStore.Open(dir.File("state.db")));

        Assert.Contains($"schema version {StateStore.KnownSchemaVersion + 1}", e.Message);
        Assert.Contains($"({StateStore.KnownSchemaVersion})", e.Message);
    }

    [Fact]
    public void Open_Twice_KeepsRecordsAndDoesNotReapplyMigrations()
    {
        using var dir = new TempDir();
        using (var store = StateStore.Open(dir.File("state.db"))) Assert.True(store.Insert(Record("0000000000000001")));

        using var again = StateStore.Open(dir.File("state.db"));

        Assert.Equal("0000000000000001", Assert.Single(again.List()).Id);
    }

    [Fact]
    public void Insert_NameTaken_ReturnsFalseAndWritesNothing()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.File("state.db"));

        Assert.True(store.Insert(Record("0000000000000001", "web")));
        Assert.False(store.Insert(Record("0000000000000002", "web")));

        Assert.Single(store.List());
        Assert.True(store.Insert(Record("0000000000000003")));
        Assert.True(store.Insert(Record("0000000000000004")));
    }

    [Fact]
    public void MarkFinished_AlreadyFinal_ReturnsFalseAndKeepsTheFirstEnd()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.File("state.db"));
        store.Insert(Record("0000000000000001"));
        Assert.True(store.MarkRunning("0000000000000001", DateTimeOffset.UtcNow, "w"));

        Assert.True(store.MarkFinished("0000000000000001", SandboxState.Exited, DateTimeOffset.UtcNow, null, 0, "first"));
        Assert.False(store.MarkFinished("0000000000000001", SandboxState.Killed, DateTimeOffset.UtcNow, null, 137, "second"));
        Assert.False(store.MarkRunning("0000000000000001", DateTimeOffset.UtcNow, "w"));

        var record = store.Get("0000000000000001")!;
        Assert.Equal(SandboxState.Exited, record.State);
        Assert.Equal("first", record.Message);
    }

    [Fact]
    public void Record_RoundTrips_EveryField()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.File("state.db"));
        var record = Record("0000000000000001", "n");
        store.Insert(record);

        var back = store.Get("0000000000000001")!;

        Assert.Equal(record.Labels, back.Labels);
        Assert.Equal(record.Args, back.Args);
        Assert.Equal(record.CreatedAt, back.CreatedAt);
        Assert.Equal(record with { Labels = back.Labels, Args = back.Args, Policy = back.Policy }, back);
    }

    [Fact]
    public void PolicyJson_EveryField_RoundTripsExactly()
    {
        var policy = new SandboxPolicy
        {
            Dirs = [new DirGrant("/srv/data", "/data", false), new DirGrant("/usr/share/dict", "/dict", true)],
            Env = [new("LANG", "C"), new("EMPTY", "")],
            Limits = new SandboxLimits(64L << 20, 123_456_789UL, TimeSpan.FromMilliseconds(1500.5))
            {
                MaxOpenFiles = 17,
                MaxDiskWriteBytes = 1L << 30,
                MaxOutputBytes = 4096,
                CpuTime = TimeSpan.FromSeconds(2),
                Cpus = 0.25,
                MaxCompileTime = TimeSpan.FromMinutes(1),
                MaxCompileMemoryBytes = 128L << 20,
            },
            Stdin = new StdinSource.FromFile("/srv/in.txt"),
            Isolation = IsolationTier.Process,
            Listen = ["127.0.0.1:8080"],
            DeterministicSeed = 42,
        };

        var json = PolicyJson.ToJson(policy);
        var back = PolicyJson.FromJson(json);

        Assert.Equal(policy.Dirs, back.Dirs);
        Assert.Equal(policy.Env, back.Env);
        Assert.Equal(policy.Limits, back.Limits);
        Assert.Equal(policy.Stdin, back.Stdin);
        Assert.Equal(policy.Isolation, back.Isolation);
        Assert.Equal(policy.Listen, back.Listen);
        Assert.Equal(policy.DeterministicSeed, back.DeterministicSeed);
        Assert.Equal(json, PolicyJson.ToJson(back));
    }

    [Fact]
    public void PolicyJson_NetRulesAndLimits_RoundTripAsWritten()
    {
        var policy = SandboxPolicy.DenyAll with
        {
            Net = new NetPolicy([.. new[] { "api.example.com:443", "*.Example.org:8000-8099", "10.0.0.0/8:*", "bind:[::1]:8080" }.Select(r => NetRule.Parse(r))]),
            Limits = SandboxLimits.None with { MaxConnections = 0, MaxNetBytes = long.MaxValue },
        };

        var json = PolicyJson.ToJson(policy);
        var back = PolicyJson.FromJson(json);

        Assert.Equal(policy.Net.Rules, back.Net.Rules);
        Assert.Equal(policy.Limits, back.Limits);
        Assert.Contains("\"allow-net\":[\"api.example.com:443\"", json);
        Assert.Equal(json, PolicyJson.ToJson(back));
    }

    [Fact]
    public void PolicyJson_StoredBeforeTheNetwork_ReadsAsNoNetwork()
    {
        // A record written by a daemon that knew no allow-net: the keys are absent, not null.
        var node = System.Text.Json.Nodes.JsonNode.Parse(PolicyJson.ToJson(SandboxPolicy.DenyAll))!.AsObject();
        Assert.True(node.Remove("allow-net") && node.Remove("max-connections") && node.Remove("max-net-bytes"));

        var back = PolicyJson.FromJson(node.ToJsonString());

        Assert.True(back.Net.IsNone);
        Assert.Null(back.Limits.MaxConnections);
        Assert.Null(back.Limits.MaxNetBytes);
    }

    [Fact]
    public void PolicyJson_StoredRuleThatNoLongerParses_IsAFormatErrorNamingIt()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(PolicyJson.ToJson(SandboxPolicy.DenyAll))!.AsObject();
        node["allow-net"] = new System.Text.Json.Nodes.JsonArray("ok.example.com:443", "nope");
        var e = Assert.Throws<FormatException>(() => PolicyJson.FromJson(node.ToJsonString()));
        Assert.StartsWith("stored policy allow-net[1] 'nope': ", e.Message);
    }

    [Fact]
    public void Record_WithNetRules_SurvivesReopeningTheStore()
    {
        using var dir = new TempDir();
        var policy = SandboxPolicy.DenyAll with
        {
            Net = new NetPolicy([NetRule.Parse("*.example.com:443"), NetRule.Parse("bind:127.0.0.1:9000-9001")]),
            Limits = SandboxLimits.None with { MaxConnections = 3, MaxNetBytes = 1 << 20 },
        };
        using (var store = StateStore.Open(dir.File("state.db")))
            store.Insert(Record("0000000000000001") with { Policy = policy });

        // What a restarted daemon does: open the same file and read the record.
        using var reopened = StateStore.Open(dir.File("state.db"));
        var back = reopened.Get("0000000000000001")!.Policy;

        Assert.Equal(policy.Net.Rules, back.Net.Rules);
        Assert.Equal(policy.Limits, back.Limits);
    }

    [Fact]
    public void PolicyJson_DenyAll_RoundTripsToDenyAll()
    {
        var back = PolicyJson.FromJson(PolicyJson.ToJson(SandboxPolicy.DenyAll));

        Assert.Empty(back.Dirs);
        Assert.Empty(back.Env);
        Assert.Equal(SandboxLimits.None, back.Limits);
        Assert.IsType<StdinSource.None>(back.Stdin);
        Assert.Null(back.Isolation);
        Assert.Null(back.DeterministicSeed);
        Assert.True(back.Net.IsNone);
    }

    [Fact]
    public void DataDirLock_HeldTwice_SecondRefusedNamingTheHolderPid()
    {
        using var dir = new TempDir();
        using var first = DataDirLock.Acquire(dir.Path);

        var e = Assert.Throws<DataDirLockedException>(() => DataDirLock.Acquire(dir.Path));

        Assert.Equal(Environment.ProcessId, e.HolderPid);
        Assert.Contains($"pid {Environment.ProcessId}", e.Message);
    }

    [Fact]
    public void DataDirLock_Released_CanBeTakenAgain()
    {
        using var dir = new TempDir();
        DataDirLock.Acquire(dir.Path).Dispose();

        using var again = DataDirLock.Acquire(dir.Path);

        Assert.True(File.Exists(dir.File(DataDirLock.FileName)));
    }

    [Fact]
    public async Task SupervisorOpen_DataDirInUse_RefusedAndTheFirstKeepsWorking()
    {
        await using var f = await Fixture.OpenAsync();

        await Assert.ThrowsAsync<DataDirLockedException>(() => global::Wasmbox.Supervisor.Table.Supervisor.OpenAsync(f.Dir.Path, new FakeStarter()));

        Assert.Equal(SandboxState.Running, f.Supervisor.Create(f.Request()).State);
    }
}
