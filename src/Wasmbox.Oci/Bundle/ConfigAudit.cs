using System.Text.Json;
using Wasmbox.Oci.Cli;

namespace Wasmbox.Oci.Bundle;

/// <summary>
/// Names every config.json field that <see cref="PolicyMapping"/> does not turn into the sandbox's policy: covered by the
/// jail, ignored (with the reason), or refused. This is the table docs/kubernetes.md shows; a field missing from it is
/// reported as unknown and ignored, never dropped without a word.
/// </summary>
internal static class ConfigAudit
{
    private const string Jail = "the jail is stricter";

    /// <summary>Fields and what happens to them. Keys are dotted paths into config.json.</summary>
    private static readonly Dictionary<string, (NoteLevel Level, string Why)> Known = new(StringComparer.Ordinal)
    {
        ["hostname"] = (NoteLevel.Covered, "WASI preview1 has no host name; the guest sees only process.env (HOSTNAME is passed there)"),
        ["domainname"] = (NoteLevel.Covered, "WASI preview1 has no domain name"),
        ["process.user"] = (NoteLevel.Covered, "WASI preview1 has no users; the worker runs as an unprivileged user in its own user namespace"),
        ["process.capabilities"] = (NoteLevel.Covered, $"{Jail}: the worker has no capabilities at all"),
        ["process.noNewPrivileges"] = (NoteLevel.Covered, $"{Jail}: the worker always runs with no_new_privs"),
        ["process.apparmorProfile"] = (NoteLevel.Covered, $"{Jail}: the guest makes no system calls of its own"),
        ["process.selinuxLabel"] = (NoteLevel.Covered, $"{Jail}: the guest makes no system calls of its own"),
        ["process.rlimits"] = (NoteLevel.Ignored, "the worker has its own rlimits (NOFILE, FSIZE, CORE=0); use io.wasmbox.max-open-files for descriptors"),
        ["process.oomScoreAdj"] = (NoteLevel.Ignored, "the worker keeps the OOM score it inherits"),
        ["process.commandLine"] = (NoteLevel.Ignored, "Windows only"),
        ["process.ioPriority"] = (NoteLevel.Ignored, "the worker keeps the I/O priority it inherits"),
        ["process.scheduler"] = (NoteLevel.Ignored, "the worker keeps the scheduling policy it inherits"),
        ["process.execCPUAffinity"] = (NoteLevel.Ignored, "the worker keeps the CPU affinity it inherits"),
        ["linux.seccomp"] = (NoteLevel.Covered, $"{Jail}: the worker has Wasmbox's own seccomp filter"),
        ["linux.maskedPaths"] = (NoteLevel.Covered, $"{Jail}: the guest sees nothing but its grants"),
        ["linux.readonlyPaths"] = (NoteLevel.Covered, $"{Jail}: the guest sees nothing but its grants"),
        ["linux.devices"] = (NoteLevel.Covered, $"{Jail}: the guest sees no devices"),
        ["linux.resources.devices"] = (NoteLevel.Covered, $"{Jail}: the guest sees no devices"),
        ["linux.mountLabel"] = (NoteLevel.Covered, $"{Jail}: the guest sees nothing but its grants"),
        ["linux.rootfsPropagation"] = (NoteLevel.Covered, "the grants are private bind mounts in the worker's own mount namespace"),
        ["linux.uidMappings"] = (NoteLevel.Covered, "the worker has its own user namespace"),
        ["linux.gidMappings"] = (NoteLevel.Covered, "the worker has its own user namespace"),
        ["linux.sysctl"] = (NoteLevel.Ignored, "the guest cannot read or depend on kernel parameters"),
        ["linux.intelRdt"] = (NoteLevel.Ignored, "cache allocation is not applied"),
        ["linux.personality"] = (NoteLevel.Ignored, "the worker runs with the host's execution domain"),
        ["linux.timeOffsets"] = (NoteLevel.Ignored, "clocks are the host's unless io.wasmbox.deterministic is set"),
        ["linux.resources.memory.reservation"] = (NoteLevel.Ignored, "only memory.limit is applied"),
        ["linux.resources.memory.swap"] = (NoteLevel.Ignored, "only memory.limit is applied"),
        ["linux.resources.memory.kernel"] = (NoteLevel.Ignored, "only memory.limit is applied"),
        ["linux.resources.memory.kernelTCP"] = (NoteLevel.Ignored, "only memory.limit is applied"),
        ["linux.resources.memory.swappiness"] = (NoteLevel.Ignored, "only memory.limit is applied"),
        ["linux.resources.memory.disableOOMKiller"] = (NoteLevel.Ignored, "a guest over its limit fails to grow its memory; the worker's cgroup keeps the OOM killer"),
        ["linux.resources.memory.useHierarchy"] = (NoteLevel.Ignored, "only memory.limit is applied"),
        ["linux.resources.memory.checkBeforeUpdate"] = (NoteLevel.Ignored, "only memory.limit is applied"),
        ["linux.resources.cpu.shares"] = (NoteLevel.Ignored, "only cpu.quota/period is applied"),
        ["linux.resources.cpu.cpus"] = (NoteLevel.Ignored, "only cpu.quota/period is applied (no cpuset)"),
        ["linux.resources.cpu.mems"] = (NoteLevel.Ignored, "only cpu.quota/period is applied (no cpuset)"),
        ["linux.resources.cpu.realtimeRuntime"] = (NoteLevel.Ignored, "only cpu.quota/period is applied"),
        ["linux.resources.cpu.realtimePeriod"] = (NoteLevel.Ignored, "only cpu.quota/period is applied"),
        ["linux.resources.cpu.idle"] = (NoteLevel.Ignored, "only cpu.quota/period is applied"),
        ["linux.resources.cpu.burst"] = (NoteLevel.Ignored, "only cpu.quota/period is applied"),
        ["linux.resources.blockIO"] = (NoteLevel.Ignored, "no block I/O weights or throttles are applied; use io.wasmbox.max-disk-write for a byte budget"),
        ["linux.resources.hugepageLimits"] = (NoteLevel.Ignored, "the guest's memory is not backed by huge pages"),
        ["linux.resources.network"] = (NoteLevel.Ignored, "no network class id or interface priorities are applied"),
        ["linux.resources.rdma"] = (NoteLevel.Covered, "the guest sees no devices"),
        ["linux.resources.unified"] = (NoteLevel.Ignored, "only memory.limit, cpu.quota/period and pids.limit are applied"),
    };

    /// <summary>Fields refused outright: running without them would be a different container than the one asked for.</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.Ordinal)
    {
        ["hooks"] = "OCI hooks are not run by wasmbox-oci (a WASI guest has no namespaces for them to prepare); remove them, or run this container with runc",
    };

    public static IReadOnlyList<ConfigNote> Audit(OciConfig config)
    {
        var notes = new List<ConfigNote>();
        Visit(config.Extra, "", notes);
        Visit(config.Process?.Extra, "process.", notes);
        Visit(config.Linux?.Extra, "linux.", notes);
        Visit(config.Linux?.Resources?.Extra, "linux.resources.", notes);
        Visit(config.Linux?.Resources?.Memory?.Extra, "linux.resources.memory.", notes);
        Visit(config.Linux?.Resources?.Cpu?.Extra, "linux.resources.cpu.", notes);
        notes.AddRange(NamespacePaths.Notes(config));
        return notes;
    }

    private static void Visit(Dictionary<string, JsonElement>? extra, string prefix, List<ConfigNote> notes)
    {
        foreach (var (key, value) in extra ?? [])
        {
            var path = prefix + key;
            if (value.ValueKind is JsonValueKind.Null) continue;
            if (Refused.TryGetValue(path, out var refusal))
            {
                if (IsEmpty(value)) continue;
                throw new OciException($"config.json {path}: {refusal}");
            }
            if (Known.TryGetValue(path, out var known))
                notes.Add(new ConfigNote(known.Level, $"config.json {path} is {(known.Level == NoteLevel.Covered ? "not applied" : "ignored")}: {known.Why}"));
            else
                notes.Add(new ConfigNote(NoteLevel.Ignored, $"config.json {path} is not known to wasmbox-oci and is ignored"));
        }
    }

    private static bool IsEmpty(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => !value.EnumerateObject().Any(p => !IsEmpty(p.Value)),
        JsonValueKind.Array => value.GetArrayLength() == 0,
        JsonValueKind.Null => true,
        _ => false,
    };
}
