namespace Wasmbox.Core.Caching;

/// <summary>
/// Where a cache entry's native code was compiled, which decides who may load it. Part of the cache key, so entries of
/// the two sites never stand in for each other.
/// </summary>
/// <remarks>
/// Why two sites: compiling a hostile module is itself an attack surface (a Cranelift bug could let the module choose
/// the native code). Code compiled inside a jail may only run inside a jail, where it can reach no more than the guest
/// could anyway. Code compiled outside any jail (in this process, or in an unjailed compile worker) is as trusted as the
/// process that compiled it, and is the only kind the in-process and process tiers load. See docs/SECURITY.md.
/// </remarks>
public enum CompileSite
{
    /// <summary>Compiled outside any jail: in the caller's process (the library), or in an unjailed compile worker.</summary>
    Host,

    /// <summary>Compiled by a compile worker inside a jail; loaded only by jailed workers.</summary>
    Jail,
}
