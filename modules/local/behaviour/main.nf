process BEHAVIOUR {
    tag "$meta.id"
    label 'process_gpu'

    input:
    tuple val(meta), path(video), path(pose), path(scratch_bouts)
    path behaviour_model

    output:
    tuple val(meta), path("${prefix}_behaviour*.csv", arity: '4'), emit: tables
    tuple val(meta), path("${prefix}_behaviour_ethogram.png"),     emit: ethogram
    tuple val(meta), path("${prefix}_behaviour_provenance.json"),  emit: provenance
    path "versions.yml",                                            emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    // the DeepLabCut image has torch and scikit-learn; 'cuda:0' comes from -profile gpu or awsbatch
    def device = task.ext.device ?: 'cpu'
    // the scratch detector's bouts give the scratch class; [] where quantify failed
    def bouts_arg = scratch_bouts ? "--scratch-bouts ${scratch_bouts}" : ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    # scratchflow behaviour names its outputs after the video: give it the prefix's name
    [ "${video}" = "${prefix}.${video.extension}" ] || ln -s "${video}" "${prefix}.${video.extension}"
    scratchflow-behaviour classify ${prefix}.${video.extension} --pose ${pose} --model ${behaviour_model} --out . --device ${device} ${bouts_arg} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: \$(scratchflow --version | sed 's/^scratchflow, version //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}_behaviour.csv
    touch ${prefix}_behaviour_probabilities.csv
    touch ${prefix}_behaviour_budget.csv
    touch ${prefix}_behaviour_bouts.csv
    touch ${prefix}_behaviour_ethogram.png
    echo '{}' > ${prefix}_behaviour_provenance.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        scratchflow: stub
    END_VERSIONS
    """
}
