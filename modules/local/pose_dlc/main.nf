process POSE_DLC {
    tag "$meta.id"
    label 'process_gpu'

    input:
    tuple val(meta), path(video)
    path model

    output:
    tuple val(meta), path("${prefix}.h5"), path("${prefix}.pose.json"), emit: pose
    path "versions.yml",                                           emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    // 'cuda:0' comes from -profile gpu or awsbatch (ext.device)
    def device = task.ext.device ?: 'cpu'
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    # scratchflow pose names its outputs after the video: give it the prefix's name
    [ "${video}" = "${prefix}.${video.extension}" ] || ln -s "${video}" "${prefix}.${video.extension}"
    scratchflow-pose ${prefix}.${video.extension} --model ${model} --out . --device ${device} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.h5
    echo '{"fps": 30.0}' > ${prefix}.pose.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
