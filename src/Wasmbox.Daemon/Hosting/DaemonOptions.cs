using System.CommandLine;
using Wasmbox.Core.Policy;
using Wasmbox.Core.Units;
using Wasmbox.Supervisor.Ceilings;

namespace Wasmbox.Daemon.Hosting;

/// <summary>The daemon's settings: where it listens, where it keeps its state, and the operator's ceilings.</summary>
public sealed record DaemonSettings(
    string Socket,
    string DataDir,
    string? Tcp,
    string? TokenFile,
    OperatorCeilings Ceilings,
    int MaxSandboxes,
    long LogLimitBytes)
{
    /// <summary>How long SIGTERM lets running sandboxes finish before they are killed (<c>--shutdown-grace</c>).</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Jailed workers kept started for grant-less sandboxes (<c>--pool</c>); 0, the default, keeps none.</summary>
    public int Pool { get; init; }
}

/// <summary>The daemon's command line (the same words <c>wasmbox daemon</c> takes).</summary>
internal static class DaemonOptions
{
    public static readonly Option<string?> Socket = new("--socket") { Description = "Unix socket to listen on (default /run/wasmbox/wasmbox.sock for root, else $XDG_RUNTIME_DIR/wasmbox/wasmbox.sock); created mode 0600.", HelpName = "PATH" };
    public static readonly Option<string?> DataDir = new("--data-dir") { Description = "Folder for all state: the SQLite table, logs, modules, the module cache (default /var/lib/wasmbox for root, else $XDG_DATA_HOME/wasmbox).", HelpName = "DIR" };
    public static readonly Option<string?> Tcp = new("--tcp") { Description = "Also listen on 127.0.0.1:PORT (or [::1]:PORT), with a bearer token (--token-file).", HelpName = "HOST:PORT" };
    public static readonly Option<string?> TokenFile = new("--token-file") { Description = "File holding the bearer token TCP clients must send (required with --tcp).", HelpName = "FILE" };
    public static readonly Option<string[]> AllowGrant = new("--allow-grant") { Description = "Host folder beneath which sandboxes may be granted directories (repeatable; none = no host folder may be granted).", HelpName = "DIR", Arity = ArgumentArity.ZeroOrMore };
    public static readonly Option<string?> MaxMemory = new("--max-memory") { Description = "The most --max-memory a sandbox may ask for; a sandbox must set it when this is set.", HelpName = "SIZE" };
    public static readonly Option<string?> MaxTimeout = new("--max-timeout") { Description = "The most --timeout a sandbox may ask for; a sandbox must set it when this is set.", HelpName = "DURATION" };
    public static readonly Option<string?> MaxCpus = new("--max-cpus") { Description = "The most --cpus a sandbox may ask for.", HelpName = "N" };
    public static readonly Option<string?> MaxOpenFiles = new("--max-open-files") { Description = "The most --max-open-files a sandbox may ask for.", HelpName = "N" };
    public static readonly Option<string?> MaxOutput = new("--max-output") { Description = "The most --max-output a sandbox may ask for.", HelpName = "SIZE" };
    public static readonly Option<string?> MaxFuel = new("--max-fuel") { Description = "The most --fuel a sandbox may ask for; a sandbox must set it when this is set.", HelpName = "N" };
    public static readonly Option<string?> MaxCpuTime = new("--max-cpu-time") { Description = "The most --cpu-time a sandbox may ask for; a sandbox must set it when this is set.", HelpName = "DURATION" };
    public static readonly Option<string?> MaxDiskWrite = new("--max-disk-write") { Description = "The most --max-disk-write a sandbox may ask for; a sandbox must set it when this is set.", HelpName = "SIZE" };
    public static readonly Option<string?> MaxConnections = new("--max-connections") { Description = "The most --max-connections a sandbox may ask for; a sandbox must set it when this is set.", HelpName = "N" };
    public static readonly Option<string?> MaxNetBytes = new("--max-net-bytes") { Description = "The most --max-net-bytes a sandbox may ask for; a sandbox must set it when this is set.", HelpName = "SIZE" };
    public static readonly Option<string[]> NetCeiling = new("--net-ceiling")
    {
        Description = "The network sandboxes may ask for (repeatable, the --allow-net syntax): each allow-net rule of a sandbox must lie within one of these "
            + "(same direction, ports within, an address or block inside the block, a name equal or under the wildcard; a wildcard only under a wildcard "
            + "for the same or a parent domain; a rule inside loopback, private or metadata ranges only under a rule inside that range too). Default: rules pass unchanged.",
        HelpName = "[connect|bind:]HOST:PORTS",
        Arity = ArgumentArity.ZeroOrMore,
    };
    public static readonly Option<bool> AllowListen = new("--allow-listen") { Description = "Let sandboxes ask for --listen (listening sockets bound by the daemon on its host); refused by default." };
    public static readonly Option<string[]> AllowIsolation = new("--allow-isolation") { Description = "Tiers sandboxes may use (default: jail only; add process or none to allow them).", HelpName = "TIER", Arity = ArgumentArity.ZeroOrMore };
    public static readonly Option<int?> MaxSandboxes = new("--max-sandboxes") { Description = "Live sandboxes at once (default 64); beyond it a spawn gets 429.", HelpName = "N" };
    public static readonly Option<int?> Pool = new("--pool") { Description = "Jailed workers kept started ahead (default 0: none). A sandbox with no --dir, --ro-dir, --listen, --cpus, --cpu-time, --max-open-files or --max-disk-write takes one and skips the worker's start-up; each serves one sandbox and is replaced in the background.", HelpName = "N" };
    public static readonly Option<string?> LogLimit = new("--log-limit") { Description = "Log bytes kept per sandbox (default 8MiB); the oldest are dropped first.", HelpName = "SIZE" };

    public static readonly Option<string?> ShutdownGrace = new("--shutdown-grace") { Description = "At SIGTERM or SIGINT: how long running sandboxes may go on to finish before they are killed (default 10s; 0 kills at once); every final state is recorded either way.", HelpName = "DURATION" };

    public static IEnumerable<Option> All => [Socket, DataDir, Tcp, TokenFile, AllowGrant, MaxMemory, MaxTimeout, MaxCpus, MaxOpenFiles, MaxOutput, MaxFuel, MaxCpuTime, MaxDiskWrite, MaxConnections, MaxNetBytes, NetCeiling, AllowListen, AllowIsolation, MaxSandboxes, Pool, LogLimit, ShutdownGrace];

    /// <summary>The settings, or a one-line reason they are wrong (<see cref="PolicyException"/>).</summary>
    public static DaemonSettings Read(ParseResult parsed)
    {
        var tiers = parsed.GetValue(AllowIsolation) is { Length: > 0 } named
            ? named.Select(t => IsolationTiers.Parse(t, "--allow-isolation")).ToHashSet()
            : new HashSet<IsolationTier> { IsolationTier.Jail };
        var roots = (parsed.GetValue(AllowGrant) ?? []).Select(r =>
            Directory.Exists(r) ? Path.GetFullPath(r) : throw new PolicyException($"--allow-grant {r}: no such folder; name an existing folder")).ToList();
        var ceilings = OperatorCeilings.Default with
        {
            AllowedGrantRoots = roots,
            MaxMemoryBytes = Parse(parsed, MaxMemory, ByteSize.Parse),
            MaxTimeout = Parse(parsed, MaxTimeout, DurationText.Parse),
            MaxCpus = Parse(parsed, MaxCpus, t => double.TryParse(t, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var c) ? c : throw new FormatException($"'{t}' is not a number of CPUs")),
            MaxOpenFiles = Parse(parsed, MaxOpenFiles, t => int.TryParse(t, out var n) && n >= 3 ? n : throw new FormatException($"'{t}' is not a whole number of at least 3")),
            MaxOutputBytes = Parse(parsed, MaxOutput, ByteSize.Parse),
            MaxFuel = Parse(parsed, MaxFuel, t => ulong.TryParse(t, out var f) && f > 0 ? f : throw new FormatException($"'{t}' is not a whole number of fuel units above 0")),
            MaxCpuTime = Parse(parsed, MaxCpuTime, DurationText.Parse),
            MaxDiskWriteBytes = Parse(parsed, MaxDiskWrite, ByteSize.Parse),
            MaxConnections = Parse(parsed, MaxConnections, t => int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"'{t}' is not a whole number")),
            MaxNetBytes = Parse(parsed, MaxNetBytes, ByteSize.Parse),
            NetCeiling = (parsed.GetValue(NetCeiling) ?? []).Select(r => NetRule.Parse(r, "--net-ceiling")).ToList(),
            AllowListen = parsed.GetValue(AllowListen),
            AllowedTiers = tiers,
        };
        var pool = parsed.GetValue(Pool) ?? 0;
        if (pool is < 0 or > 256) throw new PolicyException($"--pool {pool}: give a number of workers from 0 to 256");
        var tcp = parsed.GetValue(Tcp);
        var token = parsed.GetValue(TokenFile);
        if (tcp is not null && token is null) throw new PolicyException("--tcp needs --token-file: a TCP client must prove who it is; write a secret to a file only you can read");
        return new DaemonSettings(
            parsed.GetValue(Socket) ?? DefaultSocket(),
            Path.GetFullPath(parsed.GetValue(DataDir) ?? DefaultDataDir()),
            tcp,
            token,
            ceilings,
            parsed.GetValue(MaxSandboxes) ?? 64,
            Parse(parsed, LogLimit, ByteSize.Parse) ?? 8L << 20)
        {
            Pool = pool,
            // 0 is a grace too: kill at once (the ends are recorded all the same).
            ShutdownGrace = Parse(parsed, ShutdownGrace, t => System.Text.RegularExpressions.Regex.IsMatch(t, "^0+(ms|s|m|h)?$") ? TimeSpan.Zero : DurationText.Parse(t))
                            ?? TimeSpan.FromSeconds(10),
        };
    }

    public static string DefaultSocket() => Core.Api.DaemonAddress.DefaultSocket(Environment.GetEnvironmentVariable);

    private static string DefaultDataDir()
    {
        if (Core.Api.DaemonAddress.IsRoot) return "/var/lib/wasmbox";
        var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return string.IsNullOrEmpty(data)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "wasmbox")
            : Path.Combine(data, "wasmbox");
    }

    private static T? Parse<T>(ParseResult parsed, Option<string?> option, Func<string, T> parse) where T : struct
    {
        if (parsed.GetValue(option) is not { } text) return null;
        try { return parse(text); }
        catch (FormatException e) { throw new PolicyException($"{option.Name}: {e.Message}"); }
    }
}
