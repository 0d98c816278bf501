process QUANTIFY {
    tag "$meta.id"
    label 'process_low'

    input:
    tuple val(meta), path(pose), path(pose_json)
    path detector_params

    output:
    tuple val(meta), path("${prefix}_scratch_*.csv", arity: '4'), emit: tables
    tuple val(meta), path("${prefix}_scratch_provenance.json"),   emit: provenance
    path "versions.yml",                                           emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def params_arg = detector_params ? "--params ${detector_params}" : ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    # scratchflow quantify names its tables after the pose file (and reads the frame rate
    # from the JSON of the same stem): give both the prefix's name
    if [ "${pose}" != "${prefix}.h5" ]; then
        ln -s "${pose}" "${prefix}.h5"
        ln -s "${pose_json}" "${prefix}.pose.json"
    fi
    scratchflow-quantify ${prefix}.h5 --out . ${params_arg} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}_scratch_bouts.csv
    touch ${prefix}_scratch_strokes.csv
    touch ${prefix}_scratch_summary.csv
    touch ${prefix}_scratch_timebins.csv
    echo '{}' > ${prefix}_scratch_provenance.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
