process CLIPS {
    tag "$meta.id"
    label 'process_low'

    input:
    tuple val(meta), path(video), path(pose), path(scratch_results)

    output:
    // named after the mouse's bouts table (clips.files); a mouse without bouts has none
    tuple val(meta), path("*_bout*_t*s.mp4"), optional: true, emit: clips
    path "versions.yml",                                      emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    """
    scratchflow-clips ${video} ${pose} ${scratch_results} --out . ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    """
    touch ${meta.id}_bout001_t0001.0s.mp4

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
