process CROP_VIDEOS {
    tag "$meta.id"
    label 'process_medium'

    input:
    tuple val(meta), path(video), path(metadata)

    output:
    tuple val(meta), path("${prefix}/*.mp4", arity: '1..*'),  emit: videos
    tuple val(meta), path("${prefix}/*.json", arity: '1..*'), emit: sidecars
    tuple val(meta), path("${prefix}/*.preview.png"),         emit: previews, optional: true
    path "versions.yml",                                       emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    scratchflow-crop ${video} --metadata ${metadata} --out ${prefix} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    for mouse in left_M01 right_M02; do
        touch ${prefix}/2024-01-01_12-00-00_${prefix}_\${mouse}.mp4
        touch ${prefix}/2024-01-01_12-00-00_${prefix}_\${mouse}.json
        touch ${prefix}/2024-01-01_12-00-00_${prefix}_\${mouse}.preview.png
    done

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
