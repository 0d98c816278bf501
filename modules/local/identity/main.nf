process IDENTITY {
    tag "$meta.id"
    label 'process_low'

    input:
    tuple val(meta), path(video), path(pose)
    path identity_params

    output:
    tuple val(meta), path("${prefix}_identity.h5"), path("${prefix}_identity.pose.json"), emit: tracks
    tuple val(meta), path("${prefix}_identity_events.csv"), path("${prefix}_identity_frames.csv"), emit: tables
    tuple val(meta), path("${prefix}_identity.png"),                  emit: figure
    tuple val(meta), path("${prefix}_identity_provenance.json"),      emit: provenance
    tuple val(meta), path("${prefix}_identity_event*.mp4"), optional: true, emit: clips
    path "versions.yml",                                               emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def params_arg = identity_params ? "--params ${identity_params}" : ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    # scratchflow identity names its outputs after the pose file: give it the prefix's name
    if [ "${pose}" != "${prefix}.h5" ]; then
        ln -s "${pose}" "${prefix}.h5"
    fi
    scratchflow-identity ${video} ${prefix}.h5 --colours ${meta.colours} --out . ${params_arg} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}_identity.h5
    echo '{"fps": 25}' > ${prefix}_identity.pose.json
    touch ${prefix}_identity_events.csv
    touch ${prefix}_identity_frames.csv
    touch ${prefix}_identity.png
    echo '{}' > ${prefix}_identity_provenance.json
    touch ${prefix}_identity_event001_t0000.0s.mp4

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
