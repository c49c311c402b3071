namespace Wasmbox.Oci.Bundle;

/// <summary>How much a config field that Wasmbox does not apply as written matters.</summary>
internal enum NoteLevel
{
    /// <summary>Covered, more strictly, by the jail (capabilities, seccomp, masked paths): logged as info.</summary>
    Covered,

    /// <summary>Not applied, and the container behaves differently for it (rlimits, cgroupsPath): logged as a warning.</summary>
    Ignored,
}

/// <summary>One config field Wasmbox does not apply as written, and why; <c>create</c> writes each to the log.</summary>
internal sealed record ConfigNote(NoteLevel Level, string Message);
