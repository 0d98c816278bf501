process SUMMARISE {
    tag "$meta.id"
    label 'process_low'

    input:
    tuple val(meta), path(results, stageAs: 'results/*'), path(expected, stageAs: 'results/expected_samples.csv'), path(failures, stageAs: 'failures.csv')

    // The names are those `scratchflow summarise` writes (docs/report.md), hence no ext.prefix.
    output:
    tuple val(meta), path("experiment_summary.csv"),  emit: summary
    tuple val(meta), path("experiment_timebins.csv"), emit: timebins
    tuple val(meta), path("group_statistics.csv"),    emit: statistics
    tuple val(meta), path("group_comparisons.csv"),   emit: comparisons
    tuple val(meta), path("report.html"),             emit: report
    tuple val(meta), path("summary_provenance.json"), emit: provenance
    path "versions.yml",                              emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def control = params.control ? "--control ${params.control}" : ''
    """
    scratchflow-summarise results --out . --failures ${failures} ${control} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    """
    touch experiment_summary.csv experiment_timebins.csv group_statistics.csv group_comparisons.csv report.html
    echo '{}' > summary_provenance.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
