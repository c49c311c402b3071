namespace Wasmbox.Oci.Cli;

/// <summary>
/// The flags before the subcommand, as runc takes them. <c>--systemd-cgroup</c>, <c>--debug</c>, <c>--rootless</c> and
/// <c>--criu</c> are accepted and passed on to a delegated runc; <c>--delegate</c> is ours.
/// </summary>
/// <param name="Root">Where state is kept: runc's <c>--root</c>, default <see cref="DefaultRoot"/> (podman passes none).</param>
/// <param name="Delegate">The runc that runs non-wasm containers, by absolute path: no PATH look-up, ever.</param>
/// <param name="Passed">The global flags as given, without --root and --delegate, for a delegated runc.</param>
internal sealed record GlobalOptions(string Root, string? Log, bool LogJson, string Delegate, IReadOnlyList<string> Passed)
{
    public const string DefaultRoot = "/run/wasmbox-oci", DefaultDelegate = "/usr/bin/runc";

    private static readonly string[] ValueFlags = ["root", "log", "log-format", "rootless", "criu", "delegate"];
    private static readonly string[] BoolFlags = ["systemd-cgroup", "debug"];

    /// <summary>Reads global flags up to the subcommand; returns them and the index of the subcommand (args.Length when none).</summary>
    public static (GlobalOptions Options, int Next, bool Version, bool Help) Parse(string[] args)
    {
        string root = DefaultRoot, delegatePath = DefaultDelegate;
        string? log = null, format = null;
        var passed = new List<string>();
        bool version = false, help = false;
        var i = 0;
        for (; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.Length < 2 || arg[0] != '-') break;
            if (arg is "-v" or "--version" or "-version") { version = true; continue; }
            if (arg is "-h" or "--help" or "-help") { help = true; continue; }
            var body = arg.TrimStart('-');
            var eq = body.IndexOf('=');
            var name = eq < 0 ? body : body[..eq];
            if (BoolFlags.Contains(name))
            {
                passed.Add(arg);
                continue;
            }
            if (!ValueFlags.Contains(name))
                throw new OciException($"unknown global flag {arg}; wasmbox-oci takes runc's --root, --log, --log-format, --systemd-cgroup, --debug, and --delegate PATH");
            string value;
            if (eq >= 0) value = body[(eq + 1)..];
            else if (i + 1 < args.Length) value = args[++i];
            else throw new OciException($"{arg} needs a value");
            switch (name)
            {
                case "root": root = value; break;
                case "delegate": delegatePath = value; break;
                case "log": log = value; passed.Add("--log"); passed.Add(value); break;
                case "log-format": format = value; passed.Add("--log-format"); passed.Add(value); break;
                default: passed.Add("--" + name); passed.Add(value); break;
            }
        }
        if (format is not null and not "text" and not "json")
            throw new OciException($"--log-format '{format}': write text or json");
        if (root.Length == 0) throw new OciException("--root is empty; give the folder for container state");
        if (!Path.IsPathFullyQualified(delegatePath))
            throw new OciException($"--delegate '{delegatePath}': give runc's absolute path; wasmbox-oci never searches PATH");
        return (new GlobalOptions(Path.GetFullPath(root), log is null ? null : Path.GetFullPath(log), format == "json", delegatePath, passed), i, version, help);
    }
}
