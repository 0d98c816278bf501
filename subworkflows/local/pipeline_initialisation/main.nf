/*
 * PIPELINE_INITIALISATION: check the parameters (nf-schema) and turn --input into a
 * channel of [meta, video, metadata_txt], meta = [id: video id, experiment: name].
 *
 * --input is either a samplesheet (*.csv: sample,video,metadata[,experiment], checked
 * against assets/schema_input.json) or a folder / S3 prefix of <stem>.<video ext> +
 * <stem>.txt pairs. nf-core pipelines keep the plugin calls in a subworkflow like this.
 *
 * validate_params false (--validate_params false) skips nf-schema and its plugin altogether
 * (conf/nf_schema.config is then not loaded); a samplesheet still needs it.
 */

// nf-schema's functions (validateParameters, paramsSummaryLog, samplesheetToList), looked up
// when first called, as Nextflow resolves `include ... from 'plugin/nf-schema'`. That include
// would start the plugin whenever this file loads, so `--validate_params false` could not run
// where the plugin cannot be installed (offline, as in CI: docs/nextflow.md).
def nfSchema() {
    def pluginId = 'nf-schema'
    nextflow.plugin.Plugins.startIfMissing(pluginId)
    def extension = nextflow.plugin.Plugins
        .getExtensionsInPluginId(nextflow.plugin.extension.PluginExtensionPoint, pluginId)
        .first()
    extension.checkInit(nextflow.Global.session)
    return extension
}

// Video files found in an --input folder (or S3 prefix); each pairs with <stem>.txt.
def videoGlob(prefix) {
    return "${prefix}/*.{mp4,MP4,avi,AVI,mov,MOV,mkv,MKV,m4v,M4V}"
}

// The --input folder or prefix without trailing slashes.
def inputPrefix(input) {
    return input.toString().replaceAll('/+$', '')
}

// An experiment's name: --experiment, else the --input folder's or samplesheet's name.
def experimentName(input, experiment) {
    if (experiment) {
        return experiment
    }
    def name = file(inputPrefix(input)).name
    return name.endsWith('.csv') ? name - '.csv' : name
}

workflow PIPELINE_INITIALISATION {

    take:
    input           // string: folder, s3:// prefix or samplesheet .csv
    experiment      // string or null: experiment name for the summary
    validate_params // boolean: check params against nextflow_schema.json

    main:
    if (validate_params) {
        nfSchema().validateParameters()
        log.info(nfSchema().paramsSummaryLog(workflow))
    }

    def name = experimentName(input, experiment)

    if (input.toString().endsWith('.csv')) {
        if (!validate_params) {
            error("--input ${input}: a samplesheet is read and checked by the nf-schema plugin, " +
                "which --validate_params false leaves out; give a folder of videos instead")
        }
        ch_raw = channel
            .fromList(nfSchema().samplesheetToList(input, "${projectDir}/assets/schema_input.json"))
            .map { meta, video, metadata ->
                [meta + [experiment: meta.experiment ?: name], video, metadata]
            }
    }
    else {
        def prefix = inputPrefix(input)
        ch_videos = channel
            .fromPath(videoGlob(prefix), checkIfExists: true)
            .map { video -> [video.baseName, video] }
        ch_txts = channel
            .fromPath("${prefix}/*.txt")
            .map { txt -> [txt.baseName, txt] }
        // A video without its TXT is an error; a TXT without a video is ignored.
        ch_raw = ch_videos
            .join(ch_txts, remainder: true)
            .filter { _id, video, _txt -> video != null }
            .map { id, video, txt ->
                if (txt == null) {
                    error("${video}: no metadata file ${id}.txt beside it in ${input}")
                }
                [[id: id, experiment: name], video, txt]
            }
    }

    emit:
    raw = ch_raw // channel: [ val(meta), path(video), path(metadata) ]
}
