using Wasmbox.Programs.Tests.Corpus;
using Wasmbox.Programs.Tests.Differential;

namespace Wasmbox.Programs.Tests;

/// <summary>esbuild, built by its project for GOOS=wasip1: Go's own runtime over WASI, bundling and minifying a small
/// TypeScript project.</summary>
/// <remarks>esbuild looks for package.json and tsconfig.json in every folder up to the root, so the project is
/// granted as the guest's <c>/</c>; a guest root that is not granted answers EBADF, under the oracle too.
/// <c>--log-level=warning</c> keeps esbuild's "Done in N ms", which differs between any two runs, out of stderr.</remarks>
public class EsbuildTests(ProgramCorpus corpus, DifferentialRuns runs) : IClassFixture<DifferentialRuns>
{
    public static readonly ProgramCase[] Cases =
    [
        // A read-only project bundled to stdout: TypeScript, a JS module, JSON, a package in node_modules, tree shaking.
        new("bundle-to-stdout", ["/src/main.ts", "--bundle", "--minify", "--format=esm", "--loader:.css=empty"])
        {
            Inputs = "app",
            Grants = [Grant.Ro(".", "/")],
            Shows = "hello, ${",
        },
        // The same project into /dist: JS and CSS bundles, source maps and a metafile, all compared byte for byte.
        new("bundle-to-files", ["/src/main.ts", "--bundle", "--outdir=/dist", "--sourcemap", "--metafile=/dist/meta.json",
            "--target=es2017", "--format=iife", "--global-name=app", "--log-level=warning"])
        {
            Inputs = "app",
            Grants = [Grant.Rw(".", "/")],
            Writes = "dist/main.js",
        },
        // TypeScript on a stdin pipe, JavaScript on stdout: the way editors and build tools call esbuild.
        new("stdin-transform", ["--loader=ts", "--minify-syntax", "--target=es2015"])
        {
            Inputs = "stdin",
            Stdin = "input.ts",
            Shows = "average ${summary.average}",
        },
        // A syntax error: the message with its source excerpt on stderr, exit status 1.
        new("syntax-error", ["/broken.ts"])
        {
            Inputs = "broken",
            Grants = [Grant.Ro(".", "/")],
            ExitCode = 1,
            Shows = "Expected identifier but found \"=\"",
        },
    ];

    public static TheoryData<string, string> Runs => DifferentialRuns.Matrix(Cases);

    [Theory]
    [MemberData(nameof(Runs))]
    public Task Esbuild_Case_SameBytesAsWasmtime(string @case, string tier) =>
        runs.AssertSameAsOracleAsync(corpus.Module("esbuild"), "esbuild", Cases.Single(c => c.Name == @case), tier, TestContext.Current.CancellationToken);
}
