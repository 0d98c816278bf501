process SUMMARISE {
    tag "$meta.id"
    label 'process_low'

    input:
    tuple val(meta), path(results, stageAs: 'results/*'), path(expected, stageAs: 'results/expected_samples.csv')

    output:
    tuple val(meta), path("experiment_summary.csv"), emit: summary
    tuple val(meta), path("report.html"),            emit: report
    path "versions.yml",                             emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    scratchflow-summarise results --out . ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    """
    touch experiment_summary.csv
    touch report.html

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
