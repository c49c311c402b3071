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
    public void PolicyJson_DenyAll_RoundTripsToDenyAll()
    {
        var back = PolicyJson.FromJson(PolicyJson.ToJson(SandboxPolicy.DenyAll));

        Assert.Empty(back.Dirs);
        Assert.Empty(back.Env);
        Assert.Equal(SandboxLimits.None, back.Limits);
        Assert.IsType<StdinSource.None>(back.Stdin);
        Assert.Null(back.Isolation);
        Assert.Null(back.DeterministicSeed);
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
