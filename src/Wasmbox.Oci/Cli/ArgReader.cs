namespace Wasmbox.Oci.Cli;

/// <summary>
/// Reads runc-style arguments: <c>--flag value</c>, <c>--flag=value</c>, the single-dash long form <c>-flag</c> that
/// runc's CLI library also accepts, short aliases (<c>-b</c>), and boolean flags (<c>--force</c>, <c>--force=true</c>).
/// Everything else is positional, in order; <c>--</c> ends the flags.
/// </summary>
internal sealed class ArgReader
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _bools = new(StringComparer.Ordinal);

    /// <summary>Positional arguments, in order.</summary>
    public List<string> Positional { get; } = [];

    /// <param name="valueFlags">Flags that take a value, by their canonical name (<c>bundle</c>), each with its aliases.</param>
    /// <param name="boolFlags">Flags that take none, with their aliases.</param>
    public ArgReader(IReadOnlyList<string> args, string command, IReadOnlyDictionary<string, string[]> valueFlags, IReadOnlyDictionary<string, string[]> boolFlags)
    {
        string? Canonical(IReadOnlyDictionary<string, string[]> table, string name) =>
            table.FirstOrDefault(kv => kv.Key == name || kv.Value.Contains(name)).Key;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                Positional.AddRange(args.Skip(i + 1));
                break;
            }
            if (arg.Length < 2 || arg[0] != '-')
            {
                Positional.Add(arg);
                continue;
            }
            var body = arg.TrimStart('-');
            var eq = body.IndexOf('=');
            var name = eq < 0 ? body : body[..eq];
            var inline = eq < 0 ? null : body[(eq + 1)..];
            if (Canonical(valueFlags, name) is { } valueFlag)
            {
                if (inline is null)
                {
                    if (i + 1 >= args.Count) throw new OciException($"{command}: {arg} needs a value");
                    inline = args[++i];
                }
                _values[valueFlag] = inline;
            }
            else if (Canonical(boolFlags, name) is { } boolFlag)
            {
                if (inline is null or "true") _bools.Add(boolFlag);
                else if (inline == "false") _bools.Remove(boolFlag);
                else throw new OciException($"{command}: {arg}: write true or false");
            }
            else
            {
                throw new OciException($"{command}: unknown flag {arg}; see runc's documentation for {command}");
            }
        }
    }

    public string? Value(string flag) => _values.GetValueOrDefault(flag);

    public bool Has(string flag) => _bools.Contains(flag);

    /// <summary>The container id: the one positional argument a command like <c>start ID</c> takes.</summary>
    public string Id(string command, int maxPositional = 1)
    {
        if (Positional.Count == 0) throw new OciException($"{command}: give the container id");
        if (Positional.Count > maxPositional) throw new OciException($"{command}: unexpected argument '{Positional[maxPositional]}'");
        return ContainerId.Check(Positional[0]);
    }
}
