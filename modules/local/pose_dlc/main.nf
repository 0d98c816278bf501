process POSE_DLC {
    tag "$meta.id"
    label 'process_gpu'

    input:
    tuple val(meta), path(video)
    path model

    output:
    tuple val(meta), path("${meta.id}.h5"), path("${meta.id}.pose.json"), emit: pose
    path "versions.yml",                                             emit: versions

    script:
    def args = task.ext.args ?: ''
    // 'cuda:0' comes from -profile gpu or awsbatch (ext.device)
    def device = task.ext.device ?: 'cpu'
    """
    scratchflow-pose ${video} --model ${model} --out . --device ${device} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    """
    touch ${meta.id}.h5
    echo '{"fps": 30.0}' > ${meta.id}.pose.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
