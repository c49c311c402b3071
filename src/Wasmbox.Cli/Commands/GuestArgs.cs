namespace Wasmbox.Cli.Commands;

/// <summary>
/// Splits <c>wasmbox run [OPTIONS] MODULE [ARGS...]</c> at MODULE: everything after it is the guest's, even
/// <c>--help</c> or <c>--dir</c>, as with the Wasmtime CLI. A <c>--</c> before MODULE ends wasmbox's options.
/// </summary>
/// <remarks>The parser cannot do this by itself: it would read a guest's <c>--dir</c> as ours, and would take an unknown
/// option for MODULE. So we find MODULE first, knowing which of our options take a value, and hand the parser only our part.</remarks>
/// <summary>A command whose last words belong to a guest: <c>run</c> and <c>spawn</c>.</summary>
internal interface IGuestCommand
{
    System.CommandLine.Command Command { get; }

    /// <summary>The guest's arguments after MODULE, set after <see cref="GuestArgs.Split"/>.</summary>
    string[] GuestArgs { get; set; }

    /// <summary>True when <paramref name="token"/> names one of the command's options.</summary>
    bool IsOption(string token) => Find(token) is not null;

    /// <summary>True when <paramref name="token"/> is an option that takes a value (so the next token is not MODULE).</summary>
    bool TakesValue(string token) => Find(token) is { } option && option.ValueType != typeof(bool);

    private System.CommandLine.Option? Find(string token) =>
        Command.Options.FirstOrDefault(o => o.Name == token || o.Aliases.Contains(token));
}

internal static class GuestArgs
{
    private static readonly string[] HelpTokens = ["-h", "--help", "-?"];

    /// <param name="Error">Set when the words before MODULE are wrong; one line for the user.</param>
    public sealed record SplitResult(string[] Ours, string[] Guest, string? Error);

    public static SplitResult Split(string[] args, params IGuestCommand[] commands)
    {
        var run = args.Length == 0 ? null : commands.FirstOrDefault(c => c.Command.Name == args[0]);
        if (run is null) return new(args, [], null);
        var verb = run.Command.Name;
        for (var i = 1; i < args.Length; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                // "--" then MODULE then the guest's args.
                if (i + 1 >= args.Length) break;
                return new([.. args[..i], args[i + 1]], args[(i + 2)..], null);
            }
            if (token.StartsWith('-') && token.Length > 1)
            {
                if (HelpTokens.Contains(token)) return new(args, [], null);
                var name = token.Split('=', 2)[0];
                if (!run.IsOption(name))
                    return new(args, [], $"unknown option {name} for {verb}; put guest options after MODULE, see 'wasmbox {verb} --help'");
                if (!token.Contains('=') && run.TakesValue(name))
                {
                    if (i + 1 >= args.Length) return new(args, [], $"{name} needs a value; see 'wasmbox {verb} --help'");
                    i++;
                }
                continue;
            }
            return new(args[..(i + 1)], args[(i + 1)..], null);
        }
        return new(args, [], $"missing MODULE; usage: wasmbox {verb} [OPTIONS] MODULE [ARGS...], see 'wasmbox {verb} --help'");
    }
}
