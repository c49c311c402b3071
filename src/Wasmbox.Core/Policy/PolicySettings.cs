using Wasmbox.Core.Units;

namespace Wasmbox.Core.Policy;

/// <summary>One setting as the user wrote it, with where it was written ("--max-memory", "policy.toml: max-memory").</summary>
public sealed record SettingText(string Text, string Source, string BaseDirectory);

/// <summary>
/// The unvalidated settings of a sandbox, as read from flags or from a TOML policy file, in the user's own words.
/// <see cref="Build"/> validates them once and turns them into a <see cref="SandboxPolicy"/>.
/// </summary>
/// <remarks>
/// Flags and files fill the same type so that they mean the same thing. <see cref="OverlaidWith"/> puts flags over a file:
/// a scalar set by a flag replaces the file's, list entries (dirs, env, listen, allow-net) are added after the file's, and
/// a later env entry replaces an earlier one of the same name.
/// </remarks>
public sealed class PolicySettings
{
    public List<SettingText> Dirs { get; } = [];
    public List<SettingText> RoDirs { get; } = [];
    public List<SettingText> Env { get; } = [];
    public SettingText? MaxMemory { get; set; }
    public SettingText? Fuel { get; set; }
    public SettingText? Timeout { get; set; }
    public SettingText? Stdin { get; set; }
    public SettingText? Isolation { get; set; }
    public SettingText? MaxOpenFiles { get; set; }
    public SettingText? MaxDiskWrite { get; set; }
    public SettingText? MaxOutput { get; set; }
    public SettingText? CpuTime { get; set; }
    public SettingText? Cpus { get; set; }
    public SettingText? MaxCompileTime { get; set; }
    public SettingText? MaxCompileMemory { get; set; }
    public List<SettingText> Listen { get; } = [];

    /// <summary><c>--allow-net</c> rules, in the order written (file first, then flags); each names its own source.</summary>
    public List<SettingText> AllowNet { get; } = [];

    public SettingText? MaxConnections { get; set; }
    public SettingText? MaxNetBytes { get; set; }

    /// <summary><c>--deterministic</c>: "true"/"false" as text, so a flag can override a file either way.</summary>
    public SettingText? Deterministic { get; set; }

    /// <summary><c>--seed N</c>: the seed of deterministic mode (default 0); setting it implies deterministic mode.</summary>
    public SettingText? Seed { get; set; }

    /// <summary>A new settings object: these settings, then <paramref name="over"/> on top.</summary>
    public PolicySettings OverlaidWith(PolicySettings over)
    {
        var merged = new PolicySettings
        {
            MaxMemory = over.MaxMemory ?? MaxMemory,
            Fuel = over.Fuel ?? Fuel,
            Timeout = over.Timeout ?? Timeout,
            Stdin = over.Stdin ?? Stdin,
            Isolation = over.Isolation ?? Isolation,
            MaxOpenFiles = over.MaxOpenFiles ?? MaxOpenFiles,
            MaxDiskWrite = over.MaxDiskWrite ?? MaxDiskWrite,
            MaxOutput = over.MaxOutput ?? MaxOutput,
            CpuTime = over.CpuTime ?? CpuTime,
            Cpus = over.Cpus ?? Cpus,
            MaxCompileTime = over.MaxCompileTime ?? MaxCompileTime,
            MaxCompileMemory = over.MaxCompileMemory ?? MaxCompileMemory,
            MaxConnections = over.MaxConnections ?? MaxConnections,
            MaxNetBytes = over.MaxNetBytes ?? MaxNetBytes,
            Deterministic = over.Deterministic ?? Deterministic,
            Seed = over.Seed ?? Seed,
        };
        merged.Listen.AddRange(Listen.Concat(over.Listen));
        merged.AllowNet.AddRange(AllowNet.Concat(over.AllowNet));
        merged.Dirs.AddRange(Dirs.Concat(over.Dirs));
        merged.RoDirs.AddRange(RoDirs.Concat(over.RoDirs));
        merged.Env.AddRange(Env.Concat(over.Env));
        return merged;
    }

    /// <summary>Validates every setting and builds the policy; throws <see cref="PolicyException"/> naming the first bad one.</summary>
    /// <param name="hostEnvironment">Looks up a host variable for <c>--env NAME</c>; the only way host env reaches a guest.</param>
    /// <param name="defaultStdin">Stdin when none is set: inherit for a foreground run, none for a spawned sandbox.</param>
    public SandboxPolicy Build(Func<string, string?> hostEnvironment, StdinSource defaultStdin)
    {
        var grants = Dirs.Select(d => DirGrant.Parse(d.Text, readOnly: false, d.BaseDirectory, d.Source))
            .Concat(RoDirs.Select(d => DirGrant.Parse(d.Text, readOnly: true, d.BaseDirectory, d.Source)))
            .ToList();
        var clash = grants.GroupBy(g => g.GuestPath).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new PolicyException($"two grants share the guest path '{clash.Key}'; give each one its own with HOST::GUEST");

        return new SandboxPolicy
        {
            Dirs = grants,
            Env = BuildEnv(hostEnvironment),
            Limits = new SandboxLimits(
                MaxMemory is null ? null : Parse(MaxMemory, ByteSize.Parse, v => v > 0 ? null : "must be more than 0"),
                Fuel is null ? null : Parse(Fuel, ParseFuel, v => v > 0 ? null : "must be more than 0"),
                Timeout is null ? null : Parse(Timeout, DurationText.Parse, _ => null))
            {
                MaxOpenFiles = MaxOpenFiles is null ? null : Parse(MaxOpenFiles, ParseCount, v => v >= 3 ? null : "must be at least 3 (stdin, stdout and stderr)"),
                MaxDiskWriteBytes = MaxDiskWrite is null ? null : Parse(MaxDiskWrite, ByteSize.Parse, _ => null),
                MaxOutputBytes = MaxOutput is null ? null : Parse(MaxOutput, ByteSize.Parse, _ => null),
                CpuTime = CpuTime is null ? null : Parse(CpuTime, DurationText.Parse, _ => null),
                Cpus = Cpus is null ? null : Parse(Cpus, ParseCpus, v => v is >= 0.01 and <= 1024 ? null : "must be between 0.01 and 1024"),
                MaxCompileTime = MaxCompileTime is null ? null : Parse(MaxCompileTime, DurationText.Parse, v => v >= TimeSpan.FromMilliseconds(100) ? null : "must be at least 100ms"),
                MaxCompileMemoryBytes = MaxCompileMemory is null ? null : Parse(MaxCompileMemory, ByteSize.Parse, v => v >= 64L << 20 ? null : "must be at least 64MiB (the compile worker's runtime alone needs about 30 MiB)"),
                // 0 is allowed, as for --max-disk-write: no socket, or not one byte, however wide the rules.
                MaxConnections = MaxConnections is null ? null : Parse(MaxConnections, ParseCount, _ => null),
                MaxNetBytes = MaxNetBytes is null ? null : Parse(MaxNetBytes, ByteSize.Parse, _ => null),
            },
            Stdin = Stdin is null ? defaultStdin : StdinSource.Parse(Stdin.Text, Stdin.BaseDirectory, Stdin.Source),
            Isolation = Isolation is null ? null : IsolationTiers.Parse(Isolation.Text, Isolation.Source),
            Listen = Listen.Select(ValidateListen).ToList(),
            Net = AllowNet.Count == 0 ? NetPolicy.None : new NetPolicy(AllowNet.Select(r => NetRule.Parse(r.Text, r.Source)).ToList()),
            DeterministicSeed = BuildSeed(),
        };
    }

    private List<KeyValuePair<string, string>> BuildEnv(Func<string, string?> hostEnvironment)
    {
        var env = new List<KeyValuePair<string, string>>();
        foreach (var e in Env)
        {
            var eq = e.Text.IndexOf('=');
            var name = eq < 0 ? e.Text : e.Text[..eq];
            if (name.Length == 0 || name.Contains('\0'))
                throw new PolicyException($"{e.Source} '{e.Text}': a variable needs a name; write NAME=VALUE or NAME");
            string value;
            if (eq >= 0) value = e.Text[(eq + 1)..];
            else value = hostEnvironment(name)
                ?? throw new PolicyException($"{e.Source} '{name}': not set in this environment, so there is nothing to copy; write {name}=VALUE");
            if (value.Contains('\0'))
                throw new PolicyException($"{e.Source} '{name}': the value contains a NUL byte, which WASI cannot pass");
            var at = env.FindIndex(kv => kv.Key == name);
            if (at >= 0) env[at] = new(name, value);
            else env.Add(new(name, value));
        }
        return env;
    }

    private ulong? BuildSeed()
    {
        var on = Deterministic is not null && Parse(Deterministic, ParseBool, _ => null);
        if (Seed is not null) return Parse(Seed, ParseFuelLike("seed"), _ => null);
        return on ? 0UL : null;
    }

    /// <summary>Checks the shape HOST:PORT; binding happens when the sandbox starts, where a busy port is reported.</summary>
    private static string ValidateListen(SettingText setting)
    {
        var text = setting.Text;
        var colon = text.LastIndexOf(':');
        var ok = colon > 0 && colon < text.Length - 1
                 && ushort.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
        return ok ? text : throw new PolicyException($"{setting.Source} '{text}': write HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:0");
    }

    private static bool ParseBool(string text) => text switch
    {
        "true" => true,
        "false" => false,
        _ => throw new FormatException($"'{text}' is not true or false"),
    };

    /// <summary>A share of CPU cores, <c>0.5</c> or <c>2</c>; a plain decimal, never a percentage or a fraction.</summary>
    private static double ParseCpus(string text) =>
        double.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"'{text}' is not a number of CPUs; write a decimal such as 0.5 or 2");

    private static int ParseCount(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"'{text}' is not a whole number");

    private static Func<string, ulong> ParseFuelLike(string what) => text =>
        ulong.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"'{text}' is not a {what}; write a whole number");

    private static ulong ParseFuel(string text) =>
        ulong.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"'{text}' is not a fuel budget; write a whole number of instructions, e.g. 1000000");

    private static T Parse<T>(SettingText setting, Func<string, T> parse, Func<T, string?> check)
    {
        T value;
        try { value = parse(setting.Text); }
        catch (FormatException e) { throw new PolicyException($"{setting.Source}: {e.Message}"); }
        var problem = check(value);
        return problem is null ? value : throw new PolicyException($"{setting.Source} '{setting.Text}': {problem}");
    }
}
