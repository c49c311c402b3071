using Wasmbox.Oci.Commands;
using Wasmbox.Oci.Container;
using Wasmbox.Oci.Delegation;
using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Cli;

/// <summary>wasmbox-oci's command line: global flags, then one subcommand, each a thin handler in Commands/.</summary>
internal static class OciCli
{
    /// <summary>Exit status of a refused or failed request (runc exits 1 for every error).</summary>
    public const int Failed = 1;

    /// <summary>runc's subcommands wasmbox-oci does not implement for wasm containers; passed through for runc's own.</summary>
    private static readonly string[] RuncOnly = ["exec", "pause", "resume", "update", "events", "checkpoint", "restore", "run", "list", "spec"];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        GlobalOptions global;
        int next;
        bool version, help;
        try { (global, next, version, help) = GlobalOptions.Parse(args); }
        catch (OciException e)
        {
            new OciLog(null, false, stderr).Error(e.Message);
            return Failed;
        }
        var log = new OciLog(global.Log, global.LogJson, stderr);
        if (version)
        {
            stdout.WriteLine(VersionText.Text());
            return 0;
        }
        if (next >= args.Length || help)
        {
            (next >= args.Length && !help ? stderr : stdout).WriteLine(Usage);
            return next >= args.Length && !help ? Failed : 0;
        }
        var command = args[next];
        var rest = args[(next + 1)..];
        var context = new OciContext(global, log, new StateStore(global.Root), stdout);
        try
        {
            return command switch
            {
                "create" => CreateCommand.Run(context, rest),
                "start" => StartCommand.Run(context, rest),
                "state" => StateCommand.Run(context, rest),
                "kill" => KillCommand.Run(context, rest),
                "delete" => DeleteCommand.Run(context, rest),
                "ps" => PsCommand.Run(context, rest),
                "features" => FeaturesCommand.Run(context),
                ContainerSpawner.HiddenCommand when rest.Length == 2 => ContainerProcess.Run(global, log, ContainerId.Check(rest[0]), rest[1]),
                _ when RuncOnly.Contains(command) => PassThrough(context, command, rest),
                _ => throw new OciException($"unknown command '{command}'; see wasmbox-oci --help"),
            };
        }
        catch (OciException e)
        {
            log.Error(e.Message);
            return Failed;
        }
        finally
        {
            stdout.Flush();
        }
    }

    /// <summary>A runc command wasmbox-oci does not implement: runc's containers get it from runc; ours are refused.</summary>
    private static int PassThrough(OciContext context, string command, string[] args)
    {
        var ours = args.FirstOrDefault(a => !a.StartsWith('-') && IsId(a) && context.Store.Exists(a));
        if (ours is not null)
            throw new OciException($"{command} is not supported for wasm containers (container {ours}); wasmbox-oci runs them with create, start, state, kill, delete and ps (docs/kubernetes.md, \"Not yet\")");
        if (args.Any(a => !a.StartsWith('-') && IsId(a) && RuncDelegate.Owns(context, a)) || command is "run" or "list" or "spec")
            return RuncDelegate.Run(context, command, args, "a runc container");
        throw new OciException($"{command}: no such container among {string.Join(' ', args)}");
    }

    private static bool IsId(string text)
    {
        try { ContainerId.Check(text); return true; }
        catch (OciException) { return false; }
    }

    private const string Usage = """
        usage: wasmbox-oci [--root DIR] [--log FILE] [--log-format text|json] [--delegate RUNC] COMMAND [ARGS]
          create [--bundle DIR] [--pid-file F] [--console-socket S] [--preserve-fds N] ID
          start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID | ps [--format json] ID | features
        A runc-compatible OCI runtime: wasm containers run in Wasmbox's sandbox, others are handed to runc.
        See docs/kubernetes.md.
        """;
}
