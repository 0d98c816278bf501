process QUANTIFY_SCRATCH {
    tag "$meta.id"
    label 'process_low'

    input:
    tuple val(meta), path(pose), path(pose_json)
    path detector_params

    output:
    tuple val(meta), path("${meta.id}_scratch_*.csv", arity: '4'), emit: tables
    tuple val(meta), path("${meta.id}_scratch_provenance.json"),   emit: provenance
    path "versions.yml",                                           emit: versions

    script:
    def args = task.ext.args ?: ''
    def params_arg = detector_params ? "--params ${detector_params}" : ''
    """
    scratchflow-quantify ${pose} --out . ${params_arg} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    """
    touch ${meta.id}_scratch_bouts.csv
    touch ${meta.id}_scratch_strokes.csv
    touch ${meta.id}_scratch_summary.csv
    touch ${meta.id}_scratch_timebins.csv
    echo '{}' > ${meta.id}_scratch_provenance.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
