using System.Text.Json;
using Microsoft.Data.Sqlite;
using Wasmbox.Core.Outcomes;
using Wasmbox.Supervisor.Logs;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Supervisor.State;

/// <summary>
/// The daemon's memory: one SQLite file (<c>DATA_DIR/state.db</c>) with the sandbox table and the captured logs.
/// </summary>
/// <remarks>
/// <para>One connection, used under one lock: every operation is short, SQLite serialises writers anyway, and a single
/// connection cannot deadlock against itself. Each public method is one transaction, committed before it returns, so
/// anything a caller was told has happened (a spawn, a final state, a flushed log chunk) survives the daemon's death.</para>
/// <para>Durability rule: WAL journal with <c>synchronous=NORMAL</c>. A commit is then written to the WAL file (the OS page
/// cache) before the call returns, but not fsynced. That survives a crash of the process, which is what a daemon restart
/// is about; only an OS crash or power loss can lose the last commits (never corrupt the file), which is the trade the
/// SQLite documentation recommends for WAL, and a sandbox's worker does not outlive an OS crash anyway.</para>
/// </remarks>
public sealed class StateStore : IDisposable
{
    /// <summary>
    /// The schema, as an ordered list of migrations: entry i takes the database from <c>user_version</c> i to i + 1.
    /// Append only; never edit a shipped entry.
    /// </summary>
    internal static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE sandboxes (
            id            TEXT PRIMARY KEY,
            name          TEXT UNIQUE,
            labels        TEXT NOT NULL,
            module_sha256 TEXT NOT NULL,
            module_path   TEXT NOT NULL,
            argv0         TEXT NOT NULL,
            args          TEXT NOT NULL,
            policy        TEXT NOT NULL,
            state         TEXT NOT NULL,
            created_at    INTEGER NOT NULL,
            started_at    INTEGER,
            finished_at   INTEGER,
            exit_status   INTEGER,
            report        TEXT,
            message       TEXT,
            worker        TEXT
        ) STRICT;
        CREATE INDEX sandboxes_state ON sandboxes (state);
        CREATE TABLE log_chunks (
            sandbox_id TEXT NOT NULL,
            seq        INTEGER NOT NULL,
            stream     TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
            at_ms      INTEGER NOT NULL,
            size       INTEGER NOT NULL,
            data       BLOB NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX log_chunks_order ON log_chunks (sandbox_id, seq);
        CREATE TABLE log_dropped (
            sandbox_id TEXT PRIMARY KEY,
            bytes      INTEGER NOT NULL
        ) STRICT;
        """,
        // Restart policies (issue 13): the policy, the current run's number and the next attempt's time on the record;
        // every finished run of a sandbox in runs; each log chunk tagged with the run that wrote it.
        """
        ALTER TABLE sandboxes ADD COLUMN restart TEXT NOT NULL DEFAULT 'no';
        ALTER TABLE sandboxes ADD COLUMN run INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE sandboxes ADD COLUMN next_attempt_at INTEGER;
        ALTER TABLE sandboxes ADD COLUMN resume INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE log_chunks ADD COLUMN run INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE runs (
            sandbox_id  TEXT NOT NULL,
            run         INTEGER NOT NULL,
            state       TEXT NOT NULL,
            started_at  INTEGER,
            finished_at INTEGER NOT NULL,
            exit_status INTEGER,
            report      TEXT,
            message     TEXT,
            PRIMARY KEY (sandbox_id, run)
        ) STRICT;
        CREATE TABLE refusals (
            sandbox_id TEXT NOT NULL,
            run        INTEGER NOT NULL,
            seq        INTEGER NOT NULL,
            call       TEXT NOT NULL,
            reason     TEXT NOT NULL,
            errno      TEXT NOT NULL,
            PRIMARY KEY (sandbox_id, run, seq)
        ) STRICT;
        """,
        // 2: each opening of the database by a daemon, numbered, so that its events can be numbered above every earlier daemon's.
        """
        CREATE TABLE daemon_starts (
            n   INTEGER PRIMARY KEY AUTOINCREMENT,
            at  INTEGER NOT NULL
        ) STRICT;
        """,
    ];

    /// <summary>The schema version this build writes and understands.</summary>
    public static int KnownSchemaVersion => Migrations.Count;

    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private SqliteTransaction? _tx;
    private bool _disposed;

    private StateStore(SqliteConnection db, string path)
    {
        _db = db;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens or creates the database and brings its schema up to date; refuses a schema newer than this build knows.</summary>
    public static StateStore Open(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // A pooled connection would outlive Dispose and keep the file open: a closed store must be closed.
            Pooling = false,
        }.ToString());
        try
        {
            db.Open();
            // Wait up to 5 s for a lock held by another connection (an operator's sqlite3 shell, a backup) instead of failing.
            Pragma(db, "PRAGMA busy_timeout = 5000");
            var mode = Pragma(db, "PRAGMA journal_mode = WAL");
            if (!string.Equals(mode as string, "wal", StringComparison.OrdinalIgnoreCase))
                throw new StateStoreException($"{path}: SQLite could not use its WAL journal here (got '{mode}'); put the data dir on a local file system");
            Pragma(db, "PRAGMA synchronous = NORMAL");
            Migrate(db, path);
            return new StateStore(db, path);
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new StateStoreException($"{path}: cannot open the state database ({e.Message}); check the file or move it aside", e);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static object? Pragma(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Migrate(SqliteConnection db, string path)
    {
        using var tx = db.BeginTransaction();
        using var read = db.CreateCommand();
        read.Transaction = tx;
        read.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version > KnownSchemaVersion)
            throw new StateStoreException(
                $"{path}: the state database has schema version {version}, newer than this wasmbox knows ({KnownSchemaVersion}); " +
                "run the wasmbox that wrote it, or start with another data dir");
        for (var v = version; v < KnownSchemaVersion; v++)
        {
            using var step = db.CreateCommand();
            step.Transaction = tx;
            // user_version lives in the database header, which is part of the transaction: a half-applied migration rolls back whole.
            step.CommandText = Migrations[v] + $"\nPRAGMA user_version = {v + 1};";
            step.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>The database's <c>user_version</c>.</summary>
    public int SchemaVersion => Locked(() => Convert.ToInt32(Scalar("PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary><c>PRAGMA integrity_check</c>: <c>["ok"]</c> for a sound database, else one line per problem.</summary>
    public IReadOnlyList<string> IntegrityCheck() => Locked(() =>
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        using var r = cmd.ExecuteReader();
        var lines = new List<string>();
        while (r.Read()) lines.Add(r.GetString(0));
        return lines;
    });

    // ---- sandboxes ----

    /// <summary>Inserts a new record; false when its name is taken (nothing is written then).</summary>
    public bool Insert(SandboxRecord record) => Locked(() =>
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = """
            INSERT INTO sandboxes (id, name, labels, module_sha256, module_path, argv0, args, policy, state, created_at, started_at, finished_at, exit_status, report, message, worker, restart, run)
            VALUES ($id, $name, $labels, $sha, $path, $argv0, $args, $policy, $state, $created, $started, $finished, $exit, $report, $message, $worker, $restart, $run)
            """;
        cmd.Parameters.AddWithValue("$restart", record.Restart.ToString());
        cmd.Parameters.AddWithValue("$run", record.Run);
        cmd.Parameters.AddWithValue("$id", record.Id);
        cmd.Parameters.AddWithValue("$name", (object?)record.Name ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$labels", JsonSerializer.Serialize(record.Labels.ToDictionary(), PolicyJsonContext.Default.DictionaryStringString));
        cmd.Parameters.AddWithValue("$sha", record.ModuleSha256);
        cmd.Parameters.AddWithValue("$path", record.ModulePath);
        cmd.Parameters.AddWithValue("$argv0", record.Argv0);
        cmd.Parameters.AddWithValue("$args", JsonSerializer.Serialize(record.Args.ToList(), PolicyJsonContext.Default.ListString));
        cmd.Parameters.AddWithValue("$policy", PolicyJson.ToJson(record.Policy));
        cmd.Parameters.AddWithValue("$state", record.State.Name());
        cmd.Parameters.AddWithValue("$created", record.CreatedAt.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$started", (object?)record.StartedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$finished", (object?)record.FinishedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$exit", (object?)record.ExitStatus ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$report", (object?)record.Report?.ToJson() ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$message", (object?)record.Message ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$worker", (object?)record.WorkerInfo ?? DBNull.Value);
        try
        {
            cmd.ExecuteNonQuery();
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */ && e.Message.Contains("sandboxes.name", StringComparison.Ordinal))
        {
            return false;
        }
    });

    /// <summary>created → running. Only a created record moves; returns false otherwise.</summary>
    public bool MarkRunning(string id, DateTimeOffset startedAt, string? workerInfo) => Locked(() => Execute(
        "UPDATE sandboxes SET state = 'running', started_at = $at, worker = $worker WHERE id = $id AND state = 'created'",
        ("$id", id), ("$at", startedAt.ToUnixTimeMilliseconds()), ("$worker", workerInfo)) == 1);

    /// <summary>
    /// Records how the current run of a live record ended (<paramref name="state"/>, a final state): in <c>runs</c>, and
    /// on the record, which takes that state, or <c>backoff</c> when another run follows at <paramref name="nextAttemptAt"/>.
    /// Returns false when the record was not live (or is gone).
    /// </summary>
    public bool MarkFinished(string id, SandboxState state, DateTimeOffset finishedAt, RunReport? report, int? exitStatus, string? message,
        DateTimeOffset? nextAttemptAt = null, RefusalAudit? refusals = null)
    {
        if (!state.IsFinal()) throw new ArgumentException($"{state.Name()} is not a final state", nameof(state));
        var recordState = nextAttemptAt is null ? state : SandboxState.Backoff;
        return Locked(() => InTransaction(() =>
        {
            var changed = Execute(
                """
                UPDATE sandboxes SET state = $state, finished_at = $at, report = $report, exit_status = $exit, message = $message, next_attempt_at = $next
                WHERE id = $id AND state IN ('created', 'running')
                """,
                ("$id", id), ("$state", recordState.Name()), ("$at", finishedAt.ToUnixTimeMilliseconds()),
                ("$report", report?.ToJson()), ("$exit", exitStatus), ("$message", message), ("$next", nextAttemptAt?.ToUnixTimeMilliseconds())) == 1;
            if (changed)
            {
                Execute(
                    """
                    INSERT INTO runs (sandbox_id, run, state, started_at, finished_at, exit_status, report, message)
                    SELECT id, run, $state, started_at, finished_at, exit_status, report, message FROM sandboxes WHERE id = $id
                    """,
                    ("$id", id), ("$state", state.Name()));
                var seq = 0;
                foreach (var refusal in refusals?.Kept ?? [])
                {
                    Execute(
                        """
                        INSERT INTO refusals (sandbox_id, run, seq, call, reason, errno)
                        SELECT id, run, $seq, $call, $reason, $errno FROM sandboxes WHERE id = $id
                        """,
                        ("$id", id), ("$seq", seq++), ("$call", refusal.Call), ("$reason", refusal.Reason), ("$errno", refusal.Errno));
                }
            }
            return changed;
        }));
    }

    /// <summary>backoff → running as run <paramref name="run"/>: the record shows the new run, its predecessors stay in runs.</summary>
    /// <summary>Records that a daemon opened the database and returns its number: 1 for the first, one more each time, never reused.</summary>
    public long RecordDaemonStart(DateTimeOffset at) => Locked(() => Convert.ToInt64(
        Scalar("INSERT INTO daemon_starts (at) VALUES ($at) RETURNING n", ("$at", at.ToUnixTimeMilliseconds())),
        System.Globalization.CultureInfo.InvariantCulture));

    public bool MarkRestarted(string id, int run, DateTimeOffset startedAt, string? workerInfo) => Locked(() => Execute(
        """
        UPDATE sandboxes SET state = 'running', run = $run, started_at = $at, finished_at = NULL, exit_status = NULL, report = NULL,
            message = NULL, next_attempt_at = NULL, worker = $worker
        WHERE id = $id AND state = 'backoff'
        """,
        ("$id", id), ("$run", run), ("$at", startedAt.ToUnixTimeMilliseconds()), ("$worker", workerInfo)) == 1);

    /// <summary>A record in backoff becomes final (killed while it waited for its next run).</summary>
    public bool MarkBackoffEnded(string id, SandboxState state, DateTimeOffset at, string message) => Locked(() => Execute(
        "UPDATE sandboxes SET state = $state, finished_at = $at, message = $message, next_attempt_at = NULL WHERE id = $id AND state = 'backoff'",
        ("$id", id), ("$state", state.Name()), ("$at", at.ToUnixTimeMilliseconds()), ("$message", message)) == 1);

    /// <summary>The refusals kept of a sandbox's runs (of one run when <paramref name="run"/> is set), in order.</summary>
    public IReadOnlyList<(int Run, Refusal Refusal)> Refusals(string id, int? run = null) => Locked(() =>
    {
        using var cmd = Command("SELECT run, call, reason, errno FROM refusals WHERE sandbox_id = $id"
                                + (run is null ? "" : " AND run = $run") + " ORDER BY run, seq");
        cmd.Parameters.AddWithValue("$id", id);
        if (run is { } r) cmd.Parameters.AddWithValue("$run", r);
        using var reader = cmd.ExecuteReader();
        var list = new List<(int, Refusal)>();
        while (reader.Read()) list.Add((reader.GetInt32(0), new Refusal(reader.GetString(1), reader.GetString(2), reader.GetString(3))));
        return (IReadOnlyList<(int Run, Refusal Refusal)>)list;
    });

    /// <summary>The finished runs of a sandbox, first run first.</summary>
    public IReadOnlyList<RunRecord> Runs(string id) => Locked(() =>
    {
        using var cmd = Command("SELECT run, state, started_at, finished_at, exit_status, report, message FROM runs WHERE sandbox_id = $id ORDER BY run");
        cmd.Parameters.AddWithValue("$id", id);
        using var r = cmd.ExecuteReader();
        var runs = new List<RunRecord>();
        while (r.Read())
        {
            runs.Add(new RunRecord(r.GetInt32(0), r.GetString(1),
                r.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)),
                r.IsDBNull(4) ? null : r.GetInt32(4),
                r.IsDBNull(5) ? null : RunReport.FromJson(r.GetString(5)),
                r.IsDBNull(6) ? null : r.GetString(6)));
        }
        return runs;
    });

    /// <summary>
    /// Every live record (created, running, in backoff) becomes <c>lost</c> with <paramref name="message"/>; returns
    /// their ids. Run once at daemon start.
    /// </summary>
    public IReadOnlyList<string> MarkLiveAsLost(DateTimeOffset at, string message) => Locked(() => InTransaction(() =>
    {
        var ids = new List<string>();
        using (var live = Command("SELECT id FROM sandboxes WHERE state IN ('created', 'running', 'backoff') ORDER BY created_at, rowid"))
        using (var r = live.ExecuteReader())
            while (r.Read()) ids.Add(r.GetString(0));
        Execute("UPDATE sandboxes SET state = 'lost', finished_at = $at, message = $message, next_attempt_at = NULL WHERE state IN ('created', 'running', 'backoff')",
            ("$at", at.ToUnixTimeMilliseconds()), ("$message", message));
        return (IReadOnlyList<string>)ids;
    }));

    /// <summary>
    /// Marks a sandbox the daemon's shutdown stopped as one its restart policy resumes at the next daemon start
    /// (<see cref="Resumable"/>).
    /// </summary>
    public bool MarkForResume(string id) => Locked(() => Execute("UPDATE sandboxes SET resume = 1 WHERE id = $id", ("$id", id)) == 1);

    /// <summary>Ids of the records a restart policy resumes at daemon start: lost ones, and those a shutdown stopped (<see cref="MarkForResume"/>).</summary>
    public IReadOnlyList<string> Resumable() => Locked(() =>
    {
        using var cmd = Command("SELECT id FROM sandboxes WHERE restart <> 'no' AND (state = 'lost' OR resume = 1) ORDER BY created_at, rowid");
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read()) ids.Add(r.GetString(0));
        return (IReadOnlyList<string>)ids;
    });

    /// <summary>
    /// lost (or stopped by a shutdown) → running as run <paramref name="run"/>: a restart policy resumes a sandbox a
    /// previous daemon left behind. A lost run gets its row in runs here.
    /// </summary>
    public bool MarkResumed(string id, int run, DateTimeOffset startedAt, string? workerInfo) => Locked(() => InTransaction(() =>
    {
        Execute(
            """
            INSERT OR IGNORE INTO runs (sandbox_id, run, state, started_at, finished_at, exit_status, report, message)
            SELECT id, run, 'lost', started_at, COALESCE(finished_at, $at), exit_status, report, message FROM sandboxes WHERE id = $id AND state = 'lost'
            """, ("$id", id), ("$at", startedAt.ToUnixTimeMilliseconds()));
        return Execute(
            """
            UPDATE sandboxes SET state = 'running', run = $run, started_at = $at, finished_at = NULL, exit_status = NULL, report = NULL,
                message = NULL, next_attempt_at = NULL, worker = $worker, resume = 0
            WHERE id = $id AND (state = 'lost' OR resume = 1)
            """,
            ("$id", id), ("$run", run), ("$at", startedAt.ToUnixTimeMilliseconds()), ("$worker", workerInfo)) == 1;
    }));

    public SandboxRecord? Get(string id) => Locked(() => Query("WHERE id = $key", id).FirstOrDefault());

    public SandboxRecord? GetByName(string name) => Locked(() => Query("WHERE name = $key", name).FirstOrDefault());

    /// <summary>Every record, oldest first.</summary>
    public IReadOnlyList<SandboxRecord> List() => Locked(() => Query("", null));

    /// <summary>Deletes a record with its logs, in one transaction; false when there was none.</summary>
    public bool Delete(string id) => Locked(() =>
    {
        return InTransaction(() =>
        {
            Execute("DELETE FROM log_chunks WHERE sandbox_id = $id", ("$id", id));
            Execute("DELETE FROM log_dropped WHERE sandbox_id = $id", ("$id", id));
            Execute("DELETE FROM runs WHERE sandbox_id = $id", ("$id", id));
            Execute("DELETE FROM refusals WHERE sandbox_id = $id", ("$id", id));
            return Execute("DELETE FROM sandboxes WHERE id = $id", ("$id", id)) == 1;
        });
    });

    // ---- logs ----

    /// <summary>The seq the next chunk of this sandbox gets (1 for a sandbox with no logs yet).</summary>
    public long NextLogSeq(string id) => Locked(() => Convert.ToInt64(
        Scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM log_chunks WHERE sandbox_id = $id", ("$id", id)), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// Appends chunks and then drops the oldest chunks of the sandbox until at most <paramref name="maxBytes"/> remain,
    /// adding what it dropped to the sandbox's dropped count; all in one transaction.
    /// </summary>
    public void AppendLogs(string id, IReadOnlyList<LogChunk> chunks, long maxBytes) => Locked(() => InTransaction(() =>
    {
        using (var insert = Command("INSERT INTO log_chunks (sandbox_id, seq, stream, at_ms, size, data, run) VALUES ($id, $seq, $stream, $at, $size, $data, $run)"))
        {
            var pRun = insert.Parameters.Add("$run", SqliteType.Integer);
            var pSeq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var pStream = insert.Parameters.Add("$stream", SqliteType.Text);
            var pAt = insert.Parameters.Add("$at", SqliteType.Integer);
            var pSize = insert.Parameters.Add("$size", SqliteType.Integer);
            var pData = insert.Parameters.Add("$data", SqliteType.Blob);
            insert.Parameters.AddWithValue("$id", id);
            foreach (var c in chunks)
            {
                pSeq.Value = c.Seq;
                pStream.Value = c.Stream.Name();
                pAt.Value = c.At.ToUnixTimeMilliseconds();
                pSize.Value = c.Data.Length;
                pData.Value = c.Data;
                pRun.Value = c.Run;
                insert.ExecuteNonQuery();
            }
        }
        var stored = Convert.ToInt64(Scalar("SELECT COALESCE(SUM(size), 0) FROM log_chunks WHERE sandbox_id = $id", ("$id", id)),
            System.Globalization.CultureInfo.InvariantCulture);
        if (stored > maxBytes)
        {
            long dropped = 0, cut = 0;
            using (var oldest = Command("SELECT seq, size FROM log_chunks WHERE sandbox_id = $id ORDER BY seq"))
            {
                oldest.Parameters.AddWithValue("$id", id);
                using var r = oldest.ExecuteReader();
                while (stored - dropped > maxBytes && r.Read())
                {
                    cut = r.GetInt64(0);
                    dropped += r.GetInt64(1);
                }
            }
            Execute("DELETE FROM log_chunks WHERE sandbox_id = $id AND seq <= $cut", ("$id", id), ("$cut", cut));
            Execute("INSERT INTO log_dropped (sandbox_id, bytes) VALUES ($id, $n) ON CONFLICT (sandbox_id) DO UPDATE SET bytes = bytes + $n",
                ("$id", id), ("$n", dropped));
        }
        return 0;
    }));

    /// <summary>
    /// Chunks with seq above <paramref name="afterSeq"/>, in seq order, optionally of one stream, not older than
    /// <paramref name="sinceMs"/> and of one run.
    /// </summary>
    public IReadOnlyList<LogChunk> ReadLogs(string id, long afterSeq, LogStream? stream, long? sinceMs, int? run = null) => Locked(() =>
    {
        using var cmd = Command("SELECT seq, stream, at_ms, data, run FROM log_chunks WHERE sandbox_id = $id AND seq > $after"
                          + (stream is null ? "" : " AND stream = $stream")
                          + (sinceMs is null ? "" : " AND at_ms >= $since")
                          + (run is null ? "" : " AND run = $run")
                          + " ORDER BY seq");
        if (run is { } onlyRun) cmd.Parameters.AddWithValue("$run", onlyRun);
        cmd.Parameters.AddWithValue("$id", id);
        cmd.Parameters.AddWithValue("$after", afterSeq);
        if (stream is { } s) cmd.Parameters.AddWithValue("$stream", s.Name());
        if (sinceMs is { } since) cmd.Parameters.AddWithValue("$since", since);
        using var r = cmd.ExecuteReader();
        var chunks = new List<LogChunk>();
        while (r.Read())
            chunks.Add(new LogChunk(r.GetInt64(0), LogStreams.Parse(r.GetString(1)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), (byte[])r[3], r.GetInt32(4)));
        return chunks;
    });

    /// <summary>Bytes of this sandbox's logs dropped to keep it within its bound.</summary>
    public long DroppedLogBytes(string id) => Locked(() => Convert.ToInt64(
        Scalar("SELECT COALESCE((SELECT bytes FROM log_dropped WHERE sandbox_id = $id), 0)", ("$id", id)), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Bytes of this sandbox's logs kept.</summary>
    public long StoredLogBytes(string id) => Locked(() => Convert.ToInt64(
        Scalar("SELECT COALESCE(SUM(size), 0) FROM log_chunks WHERE sandbox_id = $id", ("$id", id)), System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _db.Dispose();
        }
    }

    // ---- helpers (call with _gate held) ----

    private T Locked<T>(Func<T> body)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return body();
        }
    }

    private void Locked(Action body) => Locked(() => { body(); return 0; });

    private SqliteCommand Command(string sql)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _tx;
        return cmd;
    }

    private T InTransaction<T>(Func<T> body)
    {
        using var tx = _db.BeginTransaction();
        _tx = tx;
        try
        {
            var result = body();
            tx.Commit();
            return result;
        }
        finally
        {
            _tx = null;
        }
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd.ExecuteNonQuery();
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd.ExecuteScalar();
    }

    private List<SandboxRecord> Query(string where, string? key)
    {
        using var cmd = Command("SELECT id, name, labels, module_sha256, module_path, argv0, args, policy, state, created_at, started_at, finished_at, exit_status, report, message, worker, restart, run, next_attempt_at FROM sandboxes "
                          + where + " ORDER BY created_at, rowid");
        if (key is not null) cmd.Parameters.AddWithValue("$key", key);
        using var r = cmd.ExecuteReader();
        var list = new List<SandboxRecord>();
        while (r.Read())
        {
            list.Add(new SandboxRecord(
                r.GetString(0),
                r.IsDBNull(1) ? null : r.GetString(1),
                JsonSerializer.Deserialize(r.GetString(2), PolicyJsonContext.Default.DictionaryStringString) ?? [],
                r.GetString(3),
                r.GetString(4),
                r.GetString(5),
                JsonSerializer.Deserialize(r.GetString(6), PolicyJsonContext.Default.ListString) ?? [],
                PolicyJson.FromJson(r.GetString(7)),
                SandboxStates.Parse(r.GetString(8)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)),
                r.IsDBNull(10) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(10)),
                r.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(11)),
                r.IsDBNull(12) ? null : r.GetInt32(12),
                r.IsDBNull(13) ? null : RunReport.FromJson(r.GetString(13)),
                r.IsDBNull(14) ? null : r.GetString(14),
                r.IsDBNull(15) ? null : r.GetString(15))
            {
                Restart = RestartPolicy.Parse(r.GetString(16)),
                Run = r.GetInt32(17),
                NextAttemptAt = r.IsDBNull(18) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(18)),
            });
        }
        return list;
    }
}
