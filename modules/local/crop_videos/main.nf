process CROP_VIDEOS {
    tag "$meta.id"
    label 'process_medium'

    input:
    tuple val(meta), path(video), path(metadata)

    output:
    tuple val(meta), path("${meta.id}/*.mp4", arity: '1..*'),  emit: videos
    tuple val(meta), path("${meta.id}/*.json", arity: '1..*'), emit: sidecars
    tuple val(meta), path("${meta.id}/*.png"),                 emit: previews, optional: true
    path "versions.yml",                                       emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    scratchflow-crop ${video} --metadata ${metadata} --out ${meta.id} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    """
    mkdir -p ${meta.id}
    touch ${meta.id}/20240101_120000_cam1_left.mp4
    touch ${meta.id}/20240101_120000_cam1_left.json
    touch ${meta.id}/20240101_120000_cam1_left.png
    touch ${meta.id}/20240101_120000_cam1_right.mp4
    touch ${meta.id}/20240101_120000_cam1_right.json
    touch ${meta.id}/20240101_120000_cam1_right.png

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
