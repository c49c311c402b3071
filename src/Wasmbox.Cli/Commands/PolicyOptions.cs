using System.CommandLine;
using Wasmbox.Core.Policy;

namespace Wasmbox.Cli.Commands;

/// <summary>
/// The options that make a sandbox policy. Their long names are the TOML policy keys (<see cref="PolicyFile.Keys"/>),
/// so a file and a command line say the same thing in the same words. Values are kept as text here and validated once,
/// with the file's, by <see cref="PolicySettings.Build"/>.
/// </summary>
internal sealed class PolicyOptions
{
    public Option<string[]> Dir { get; } = new("--dir")
    {
        Description = "Grant a host directory, read-write. The guest sees it as GUEST (default: HOST as written).",
        HelpName = "HOST[::GUEST]",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string[]> RoDir { get; } = new("--ro-dir")
    {
        Description = "Grant a host directory, read-only: every write, create, rename or delete under it is refused.",
        HelpName = "HOST[::GUEST]",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string[]> Env { get; } = new("--env")
    {
        Description = "Set a guest environment variable; NAME alone copies the host's value. Nothing is inherited otherwise.",
        HelpName = "NAME[=VALUE]",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string?> MaxMemory { get; } = new("--max-memory")
    {
        Description = "Cap on the guest's linear memory (B, KiB, MiB, GiB; e.g. 64MiB). Growth beyond it fails inside the guest.",
        HelpName = "SIZE",
    };

    public Option<string?> Fuel { get; } = new("--fuel")
    {
        Description = "Instruction budget; the guest stops with status 124 when it is used up. Costs 20-30% of speed while set.",
        HelpName = "N",
    };

    public Option<string?> Timeout { get; } = new("--timeout")
    {
        Description = "Wall-clock limit (ms, s, m, h; e.g. 250ms, 5s); the guest stops with status 124.",
        HelpName = "DURATION",
    };

    public Option<string?> Stdin { get; } = new("--stdin")
    {
        Description = "The guest's stdin: inherit (default for run), none (empty), or a file to read.",
        HelpName = "inherit|none|FILE",
    };

    public Option<string?> Isolation { get; } = new("--isolation")
    {
        Description = "How the sandbox is separated from the host: jail (a worker in bubblewrap + seccomp + cgroups; the default on Linux where bubblewrap works), process (a worker process, no OS jail; the fallback), none (in this process).",
        HelpName = "none|process|jail",
    };

    public Option<string?> MaxOpenFiles { get; } = new("--max-open-files")
    {
        Description = "Descriptors the guest may hold open at once, stdio and grants included; beyond it opens fail with EMFILE.",
        HelpName = "N",
    };

    public Option<string?> MaxDiskWrite { get; } = new("--max-disk-write")
    {
        Description = "Bytes the guest may write to files in its grants (B, KiB, MiB, GiB); beyond it writes fail with EDQUOT.",
        HelpName = "SIZE",
    };

    public Option<string?> MaxOutput { get; } = new("--max-output")
    {
        Description = "Bytes of stdout and stderr together; beyond it output is dropped and the report says so.",
        HelpName = "SIZE",
    };

    public Option<string?> CpuTime { get; } = new("--cpu-time")
    {
        Description = "CPU time (user + system) the guest may use (ms, s, m, h); it stops with status 124. In a worker, the whole worker's CPU time counts.",
        HelpName = "DURATION",
    };

    public Option<string?> Cpus { get; } = new("--cpus")
    {
        Description = "CPU quota in cores (e.g. 0.5 = half a core) through the cgroup cpu controller. Jail tier only.",
        HelpName = "N",
    };

    public Option<string?> MaxCompileTime { get; } = new("--max-compile-time")
    {
        Description = "Wall-clock limit on compiling the module, in a compile worker that is killed at it (default 60s). Compiling is cached and not part of --timeout.",
        HelpName = "DURATION",
    };

    public Option<string?> MaxCompileMemory { get; } = new("--max-compile-memory")
    {
        Description = "Memory limit of the compile worker (default 2GiB; needs a cgroup: see wasmbox doctor).",
        HelpName = "SIZE",
    };

    public Option<string[]> Listen { get; } = new("--listen")
    {
        Description = "Preopen a listening TCP socket for the guest (after the directories): its way to be a server. Repeatable.",
        HelpName = "HOST:PORT",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string[]> AllowNet { get; } = new("--allow-net")
    {
        Description = "Let the guest's own sockets reach HOST:PORTS (repeatable; default: no network at all). HOST is a name (api.example.com), "
            + "*.name (any name below it), an address (10.1.2.3, [::1]) or a CIDR block (10.0.0.0/8); PORTS is N, A-B or *; "
            + "prefix bind: for a local address the guest may bind (connect: is the default). E.g. api.example.com:443, *.example.com:443, "
            + "10.0.0.0/8:*, bind:[::1]:8000-8099. Loopback, private, link-local, unique-local, multicast and cloud metadata addresses "
            + "stay refused even under a wide rule (0.0.0.0/0:*, or a name resolving to one) unless a rule names an address or block inside them. "
            + "A refused connect, bind or name lookup fails in the guest with EACCES.",
        HelpName = "[connect|bind:]HOST:PORTS",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string?> MaxConnections { get; } = new("--max-connections")
    {
        Description = "Guest sockets open at once (opened or accepted); beyond it sock_open and sock_accept fail with EMFILE.",
        HelpName = "N",
    };

    public Option<string?> MaxNetBytes { get; } = new("--max-net-bytes")
    {
        Description = "Bytes sent and received over the guest's sockets together (B, KiB, MiB, GiB); beyond it sends and receives fail with EDQUOT.",
        HelpName = "SIZE",
    };

    public Option<bool> Deterministic { get; } = new("--deterministic")
    {
        Description = "Clocks start at a fixed instant and advance only with the guest; random_get is seeded (see --seed). Same inputs, same output.",
    };

    public Option<string?> Seed { get; } = new("--seed")
    {
        Description = "Seed for --deterministic (default 0); implies --deterministic.",
        HelpName = "N",
    };

    public Option<string?> Policy { get; } = new("--policy")
    {
        Description = "TOML policy file with the same settings (keys are these option names); flags given here override it.",
        HelpName = "FILE",
    };

    public IEnumerable<Option> All =>
        [Dir, RoDir, Env, MaxMemory, Fuel, Timeout, CpuTime, Cpus, Stdin, MaxOpenFiles, MaxDiskWrite, MaxOutput, MaxCompileTime, MaxCompileMemory, Listen, AllowNet, MaxConnections, MaxNetBytes, Deterministic, Seed, Isolation, Policy];

    /// <summary>The settings from the policy file (if any) with the flags on top. Throws <see cref="PolicyException"/>.</summary>
    public PolicySettings Read(ParseResult parsed)
    {
        var cwd = Directory.GetCurrentDirectory();
        var flags = new PolicySettings
        {
            MaxMemory = Text(parsed, MaxMemory, cwd),
            Fuel = Text(parsed, Fuel, cwd),
            Timeout = Text(parsed, Timeout, cwd),
            Stdin = Text(parsed, Stdin, cwd),
            Isolation = Text(parsed, Isolation, cwd),
            MaxOpenFiles = Text(parsed, MaxOpenFiles, cwd),
            MaxDiskWrite = Text(parsed, MaxDiskWrite, cwd),
            MaxOutput = Text(parsed, MaxOutput, cwd),
            CpuTime = Text(parsed, CpuTime, cwd),
            Cpus = Text(parsed, Cpus, cwd),
            MaxCompileTime = Text(parsed, MaxCompileTime, cwd),
            MaxCompileMemory = Text(parsed, MaxCompileMemory, cwd),
            MaxConnections = Text(parsed, MaxConnections, cwd),
            MaxNetBytes = Text(parsed, MaxNetBytes, cwd),
            Seed = Text(parsed, Seed, cwd),
            Deterministic = parsed.GetValue(Deterministic) ? new SettingText("true", Deterministic.Name, cwd) : null,
        };
        flags.Listen.AddRange(Texts(parsed, Listen, cwd));
        flags.AllowNet.AddRange(Texts(parsed, AllowNet, cwd));
        flags.Dirs.AddRange(Texts(parsed, Dir, cwd));
        flags.RoDirs.AddRange(Texts(parsed, RoDir, cwd));
        flags.Env.AddRange(Texts(parsed, Env, cwd));

        var file = parsed.GetValue(Policy) is { } path ? PolicyFile.Load(path) : new PolicySettings();
        return file.OverlaidWith(flags);
    }

    private static SettingText? Text(ParseResult parsed, Option<string?> option, string cwd) =>
        parsed.GetValue(option) is { } value ? new SettingText(value, option.Name, cwd) : null;

    private static IEnumerable<SettingText> Texts(ParseResult parsed, Option<string[]> option, string cwd) =>
        (parsed.GetValue(option) ?? []).Select(v => new SettingText(v, option.Name, cwd));
}
